"""Item links from an HTML listing page (selectors from configuration) or a sitemap.

The fallback routes when a source has no usable feed: mid.ru's news list, mfa.gov.ge's
news page, TASS's news sitemap. Links come back absolute and in page order, once each.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urljoin, urlsplit

from cssselect import SelectorError
from lxml import etree
from parsel import Selector

from core.config import RouteConfig
from crawler.dates import parse_datetime
from crawler.extract.text import collapse, element_text
from crawler.feeds import clean_xml, decode_body

# Dates in listings are day-first where they are not ISO (mid.ru: 20.11.2026 14:05).
LISTING_DATE_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y")
# Query keys of a listing's own pages (Bitrix's PAGEN_1, WordPress's paged, ...).
_PAGINATION = frozenset({"page", "paged", "p", "offset", "start", "from"})
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed


@dataclass
class ListingItem:
    link: str
    title: str
    published: datetime | None


def _values(sel: Selector, query: str) -> list[str]:
    if not query:
        return []
    try:
        nodes = sel.css(query)
    except (SelectorError, ValueError, etree.XPathError):
        return []
    values = (collapse(n.root) if isinstance(n.root, str) else element_text(n.root) for n in nodes)
    return [v for v in values if v]


def _absolute(href: str, base_url: str) -> str:
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return ""
    link = urljoin(base_url, href).split("#", 1)[0]
    return link if urlsplit(link).scheme in ("http", "https") else ""


def _another_page_of(link: str, listing: str) -> bool:
    """Whether ``link`` is the listing itself or one of its pages ("load more")."""
    parts, own = urlsplit(link), urlsplit(listing)
    if (parts.netloc, parts.path.rstrip("/")) != (own.netloc, own.path.rstrip("/")):
        return False
    keys = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return all(key in _PAGINATION or key.startswith("pagen_") for key in keys)


def _article_link(hrefs: list[str], base_url: str, pattern: re.Pattern[str] | None) -> str:
    """The first link of an item that leads to an article: not a button, not another
    page of the listing, and matching the route's link pattern, if it has one."""
    for href in hrefs:
        link = _absolute(href, base_url)
        if not link or _another_page_of(link, base_url):
            continue
        if pattern is None or pattern.search(link):
            return link
    return ""


def _link_text(block: Selector, link: str, base_url: str, dates: list[str]) -> str:
    """The text of the item's anchor to ``link``: the longest of them (an image link has
    none, a "more" link little), without the date parts a whole-card anchor holds."""
    texts = [element_text(anchor.root) for anchor in block.css("a[href]")
             if not isinstance(anchor.root, str)
             and _absolute(anchor.attrib.get("href", ""), base_url) == link]
    title = max(texts, key=len, default="")
    for part in dates:
        title = title.replace(part, " ")
    return collapse(title)


def _listing_date(parts: list[str], default_tz: str, formats: Sequence[str]) -> datetime | None:
    """A date from its parts (a date and a time span, in either order), else one part."""
    candidates = [" ".join(parts), " ".join(reversed(parts)), *parts] if len(parts) > 1 else parts
    for candidate in candidates:
        value = parse_datetime(candidate, default_tz, formats)
        if value is not None:
            return value
    return None


def parse_listing(html: str, base_url: str, route: RouteConfig, default_tz: str = "UTC",
                  date_formats: Sequence[str] = ()) -> list[ListingItem]:
    """One item per ``route.item`` element that has a usable link (an item repeated,
    as a pinned one is, keeps the first title and the first date found).

    ``route.date`` may select several parts (a date and a time span): they are joined.
    Without a ``route.title``, or when it finds none, the link's own text is the title.
    """
    if not html or not route.item or not route.link:
        return []
    try:
        sel = Selector(text=html, type="html")
    except (ValueError, etree.ParserError):
        return []
    base = sel.xpath("//base/@href").get()
    base_url = urljoin(base_url, base) if base else base_url
    pattern = re.compile(route.link_pattern) if route.link_pattern else None
    formats = (*date_formats, *LISTING_DATE_FORMATS)
    found: dict[str, ListingItem] = {}
    try:
        blocks = sel.css(route.item)
    except (SelectorError, ValueError, etree.XPathError):
        return []
    for block in blocks:
        link = _article_link(_values(block, route.link), base_url, pattern)
        if not link:
            continue
        dates = _values(block, route.date)
        published = _listing_date(dates, default_tz, formats) if dates else None
        if link in found:
            found[link].published = found[link].published or published
            continue
        titles = _values(block, route.title)
        title = titles[0] if titles else _link_text(block, link, base_url, dates)
        found[link] = ListingItem(link=link, title=title, published=published)
    return list(found.values())


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *path: str) -> str:
    """Text of a descendant reached by local names, whatever the namespace prefixes."""
    current = [element]
    for name in path:
        current = [c for parent in current for c in parent if _local(c.tag) == name]
    return collapse("".join(current[0].itertext())) if current else ""


@dataclass
class Sitemap:
    """A sitemap's article entries, or, for a sitemap index, its child sitemaps newest
    first (by ``lastmod``, else by a date in the URL such as Sputnik's
    ``?date_start=20261101``, else in the order listed)."""

    items: list[ListingItem]
    children: list[str]


def _sitemap_root(body: bytes) -> etree._Element | None:
    """The parsed document: gunzipped (twice, for a .gz served gzip-encoded again), cleaned
    as a feed is (HTML entities, bare ampersands, junk before the declaration) so that one
    such slip does not cut the rest short, and read without DTD, entities or network."""
    for _ in range(2):  # a .xml.gz served without Content-Encoding, or gzipped twice
        if body[:2] != b"\x1f\x8b":
            break
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
                body = stream.read(MAX_SITEMAP_BYTES)
        except (OSError, EOFError):
            return None
    if not body.strip():
        return None
    text, _ = decode_body(body, {})
    body = clean_xml(text).encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is not None and not body.rstrip().endswith(b">"):
        # Cut off mid-entry (a download cap, a dropped connection): the last entry's
        # <loc> may be a truncated URL, which would be fetched as an article.
        entries = [child for child in root if isinstance(child.tag, str)]
        if entries:
            root.remove(entries[-1])
    return root


_URL_DATE = re.compile(r"(?<!\d)(20\d\d)-?(0[1-9]|1[0-2])(?:-?(0[1-9]|[12]\d|3[01]))?(?!\d)")


def _child_order(loc: str, lastmod: datetime | None, position: int) -> tuple[float, float, int]:
    match = _URL_DATE.search(loc)
    in_url = int(match.group(1) + match.group(2) + (match.group(3) or "01")) if match else 0
    return (-(lastmod.timestamp() if lastmod else 0.0), -in_url, position)


def read_sitemap(body: bytes, base_url: str, default_tz: str = "UTC",
                 link_pattern: str = "") -> Sitemap:
    """A ``<urlset>`` (Google News entries with title and publication date, or plain ones
    with ``lastmod`` as the date) or a ``<sitemapindex>``; anything else is empty."""
    root = _sitemap_root(body)
    kind = _local(root.tag) if root is not None else ""
    if root is None or kind not in ("urlset", "sitemapindex"):
        return Sitemap([], [])
    if kind == "sitemapindex":
        children: dict[str, tuple[float, float, int]] = {}
        for position, entry in enumerate(child for child in root if _local(child.tag) == "sitemap"):
            link = _absolute(_child_text(entry, "loc"), base_url)
            lastmod = _child_text(entry, "lastmod")
            if link and link not in children:
                children[link] = _child_order(link, parse_datetime(lastmod, default_tz)
                                              if lastmod else None, position)
        return Sitemap([], sorted(children, key=children.__getitem__))
    pattern = re.compile(link_pattern) if link_pattern else None
    items: list[ListingItem] = []
    seen: set[str] = set()
    for url in root:
        if _local(url.tag) != "url":
            continue
        link = _absolute(_child_text(url, "loc"), base_url)
        if not link or link in seen or (pattern is not None and not pattern.search(link)):
            continue
        seen.add(link)
        date = _child_text(url, "news", "publication_date") or _child_text(url, "lastmod")
        items.append(ListingItem(
            link=link,
            title=_child_text(url, "news", "title"),
            published=parse_datetime(date, default_tz) if date else None,
        ))
    return Sitemap(items, [])


def parse_news_sitemap(body: bytes, base_url: str, default_tz: str = "UTC",
                       link_pattern: str = "") -> list[ListingItem]:
    """The article entries of a sitemap (a sitemap index has none)."""
    return read_sitemap(body, base_url, default_tz, link_pattern).items

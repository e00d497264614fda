"""Item links from an HTML listing page (selectors from configuration) or a sitemap.

The fallback routes when a source has no usable feed: mid.ru's news list, mfa.gov.ge's
news page, TASS's news sitemap. Links come back absolute and in page order, once each.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from cssselect import SelectorError
from lxml import etree
from parsel import Selector

from core.config import RouteConfig
from crawler.dates import parse_datetime
from crawler.extract.text import collapse, element_text

# Dates in listings are day-first where they are not ISO (mid.ru: 20.11.2026 14:05).
LISTING_DATE_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y")
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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


def parse_listing(html: str, base_url: str, route: RouteConfig,
                  default_tz: str = "UTC") -> list[ListingItem]:
    """One item per ``route.item`` element that has a usable link.

    ``route.date`` may select several parts (a date and a time span): they are joined.
    """
    if not html or not route.item or not route.link:
        return []
    try:
        sel = Selector(text=html, type="html")
    except (ValueError, etree.ParserError):
        return []
    base = sel.xpath("//base/@href").get()
    base_url = urljoin(base_url, base) if base else base_url
    items: list[ListingItem] = []
    seen: set[str] = set()
    try:
        blocks = sel.css(route.item)
    except (SelectorError, ValueError, etree.XPathError):
        return []
    for block in blocks:
        hrefs = _values(block, route.link)
        link = _absolute(hrefs[0], base_url) if hrefs else ""
        if not link or link in seen:
            continue
        seen.add(link)
        date_text = " ".join(_values(block, route.date))
        items.append(ListingItem(
            link=link,
            title=" ".join(_values(block, route.title)),
            published=parse_datetime(date_text, default_tz, LISTING_DATE_FORMATS) if date_text else None,
        ))
    return items


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *path: str) -> str:
    """Text of a descendant reached by local names, whatever the namespace prefixes."""
    current = [element]
    for name in path:
        current = [c for parent in current for c in parent if _local(c.tag) == name]
    return collapse(current[0].text or "") if current else ""


def parse_news_sitemap(body: bytes, base_url: str) -> list[ListingItem]:
    """``<urlset>`` entries: Google News ones (title, publication date) or plain ones
    (``lastmod`` as the date, no title). A sitemap index yields nothing."""
    if body[:2] == b"\x1f\x8b":  # a .xml.gz served without Content-Encoding
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
                body = stream.read(MAX_SITEMAP_BYTES)
        except (OSError, EOFError):
            return []
    body = _CONTROL.sub(b"", body).lstrip()
    if not body:
        return []
    # No DTD, no entities, no network: a sitemap is untrusted input like any other.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None or _local(root.tag) != "urlset":
        return []
    items: list[ListingItem] = []
    seen: set[str] = set()
    for url in root:
        if _local(url.tag) != "url":
            continue
        link = _absolute(_child_text(url, "loc"), base_url)
        if not link or link in seen:
            continue
        seen.add(link)
        date = _child_text(url, "news", "publication_date") or _child_text(url, "lastmod")
        items.append(ListingItem(
            link=link,
            title=_child_text(url, "news", "title"),
            published=parse_datetime(date) if date else None,
        ))
    return items

"""An article page → title, lead, body, date, author, tags, language.

Order of trust: the source's configured selectors, then what the page embeds about
itself (JSON-LD, microdata), then trafilatura's boilerplate removal, then the
OpenGraph description as a last resort. ``method`` records which one gave the body,
so a source whose selectors went stale shows up as "trafilatura" in the data.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from cssselect import SelectorError
from lxml import etree
from parsel import Selector

from core.config import ExtractConfig
from crawler.dates import parse_datetime
from crawler.extract.metadata import (
    Metadata,
    canonical_link,
    read_jsonld,
    read_microdata,
    read_opengraph,
)
from crawler.extract.text import collapse, element_paragraphs, element_text, script_language

log = logging.getLogger(__name__)

# Never article text, whatever the selectors say: page machinery, and posts embedded from
# social networks (a tweet quoted in the text is someone else's words, not the article's).
NOISE = ("script, style, noscript, template, nav, iframe, svg, canvas, button, select, "
         "form[role=search], blockquote.twitter-tweet, blockquote.instagram-media, "
         "blockquote.telegram-post, blockquote.tiktok-embed, .fb-post, amp-twitter, "
         "amp-instagram, amp-facebook, amp-ad, amp-iframe")
# An empty paragraph (a CMS's trailing <p>&nbsp;</p>) would make ":last-of-type" miss the
# byline. (XPath: CSS cannot say "no text".)
EMPTY_PARAGRAPHS = "//p[not(normalize-space(translate(., '\u00a0', ' '))) and not(.//img)]"
MAX_AUTHOR = 120  # longer "bylines" are a selector catching a sentence
MAX_DATELINE = 40  # a leading paragraph this short that parses as a date is the header's
MIN_TRAFILATURA = 80  # shorter output is a cookie banner or a caption, not an article
# "Read also" blocks: a marker paragraph (or one that leads with it), and the dated
# headlines a marker-only paragraph introduces ("18/11/2026 – Russia Eases ...").
_RELATED = re.compile(r"^(?:read also|read more|also read|see also|читайте также|также читайте|"
                      r"смотрите также|ასევე წაიკითხეთ|ასევე იხილეთ)\b\s*:?", re.IGNORECASE)
_DATED_HEADLINE = re.compile(r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}\s*[–—-]\s")
# A "not found" page served with 200 (the sites' own 404 templates) is no article.
_NOT_FOUND = re.compile(r"\b404\b|not found|страница не найдена|გვერდი ვერ მოიძებნა",
                        re.IGNORECASE)
# A byline has letters ("18+", a footer's age mark, is none).
_LETTERS = re.compile(r"[^\W\d_]{2}")
CYRILLIC_LANGUAGES = frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn"})


@dataclass
class ExtractedPage:
    title: str = ""
    lead: str = ""
    body: str = ""
    published: datetime | None = None
    author: str = ""
    tags: list[str] = field(default_factory=list)
    language: str = ""
    method: str = "none"
    canonical_url: str = ""


def _nodes(sel: Selector, query: str) -> list[Selector]:
    try:
        return list(sel.css(query))
    except (SelectorError, ValueError, etree.XPathError) as exc:
        log.warning("bad selector %r: %s", query, exc)
        return []


def _values(sel: Selector, query: str) -> list[str]:
    """What a configured selector yields: ::text/::attr() strings as they are, else each
    matched element's whole text."""
    values = []
    for node in _nodes(sel, query):
        value = collapse(node.root) if isinstance(node.root, str) else element_text(node.root)
        if value:
            values.append(value)
    return values


def _single(sel: Selector, queries: list[str]) -> str:
    """The first selector that yields text; ::text pieces of one element are joined."""
    for query in queries:
        values = _values(sel, query)
        if values:
            return " ".join(values) if "::text" in query else values[0]
    return ""


def _paragraphs(sel: Selector, queries: list[str]) -> list[str]:
    for query in queries:
        nodes = _nodes(sel, query)
        chosen = {id(n.root) for n in nodes if not isinstance(n.root, str)}
        paragraphs: list[str] = []
        for node in nodes:
            root = node.root
            if isinstance(root, str):
                paragraphs += [collapse(root)] if collapse(root) else []
            elif not any(id(a) in chosen for a in root.iterancestors()):  # nested match: once
                paragraphs += element_paragraphs(root)
        if paragraphs:
            return paragraphs
    return []


def _remove(sel: Selector, query: str) -> None:
    _drop(_nodes(sel, query))


def _drop(nodes: list[Selector]) -> None:
    for node in nodes:
        root = node.root
        if isinstance(root, str) or root.getparent() is None:
            continue
        root.drop_tree()  # keeps the tail text, which belongs to the parent


def _published(sel: Selector, rules: ExtractConfig) -> datetime | None:
    """First value of each selector; split date and time parts are joined first."""
    parts = [values[0] for values in (_values(sel, q) for q in rules.published) if values]
    candidates = ([" ".join(parts)] if len(parts) > 1 else []) + parts
    for candidate in candidates:
        value = parse_datetime(candidate, rules.timezone, rules.date_formats)
        if value is not None:
            return value
    return None


def _trafilatura(html: str, url: str) -> list[str]:
    try:
        import trafilatura
    except ImportError:  # optional at run time: the other methods still work
        log.warning("trafilatura is not importable; skipping its fallback")
        return []
    try:
        text = trafilatura.extract(
            html, url=url or None, favor_precision=True, include_comments=False,
            include_tables=False, include_images=False, include_links=False,
            output_format="txt", deduplicate=False, with_metadata=False,
        )
    except Exception as exc:  # it raises assorted errors on odd markup; a fallback must not
        log.debug("trafilatura failed on %s: %s", url, exc)
        return []
    paragraphs = [collapse(line) for line in (text or "").splitlines()]
    paragraphs = [p for p in paragraphs if p]
    return paragraphs if sum(map(len, paragraphs)) >= MIN_TRAFILATURA else []


def _language(declared: str, body: str, hint: str) -> str:
    """<html lang>, unless the body's script contradicts it (templates lie; scripts don't)."""
    declared = declared.strip().replace("_", "-").split("-")[0].lower()
    hint = hint.lower()
    script = script_language(body)
    if script == "ka":
        return "ka"
    if script == "ru":
        return declared if declared in CYRILLIC_LANGUAGES else "ru"
    if script == "latin":
        for candidate in (declared, hint):
            if candidate and candidate not in CYRILLIC_LANGUAGES and candidate != "ka":
                return candidate
        return "en"
    return declared or hint


def _looks_like_a_name(value: str) -> bool:
    # A question, an exclamation or a line of dialogue is a selector catching text.
    return 0 < len(value) <= MAX_AUTHOR and not value.endswith(("?", "!")) \
        and not value.startswith(("—", "–", "-")) and _LETTERS.search(value) is not None


def _byline(sel: Selector, queries: list[str], body: list[str]) -> str:
    """The author selectors' first plausible name, unless one of their matches is the
    body's last paragraph: that is the byline (TASS signs with its last paragraph, and
    the same selector also catches an interview's bold questions)."""
    for query in queries:
        names = list(dict.fromkeys(v for v in _values(sel, query) if _looks_like_a_name(v)))
        if names:  # several authors ("A, B") when the selector finds several names
            return body[-1] if body and body[-1] in names else ", ".join(names)
    return ""


def _comparable(line: str) -> str:
    """A heading line as another copy of it may print it: case and end punctuation aside."""
    return collapse(line).casefold().rstrip(" .…:;!")


def _without_heading_lines(body: list[str], headings: set[str],
                           rules: ExtractConfig) -> list[str]:
    """Drop leading paragraphs that repeat the headline or lead, or are only a date: a
    fallback extractor (or a body selector on a redesigned page) keeps the header."""
    known = {_comparable(h) for h in headings if h}
    while len(body) > 1 and (_comparable(body[0]) in known or (
            len(body[0]) <= MAX_DATELINE
            and parse_datetime(body[0], rules.timezone, rules.date_formats) is not None)):
        body = body[1:]
    return body


def _without_related(body: list[str]) -> list[str]:
    """Drop "Read also" lines that no drop rule caught (older post layouts, or text from
    JSON-LD and trafilatura, where drop rules cannot reach)."""
    kept: list[str] = []
    listing = False
    for paragraph in body:
        marker = _RELATED.match(paragraph)
        if marker:
            listing = not paragraph[marker.end():].strip()  # a heading: a list follows
            continue
        if listing and _DATED_HEADLINE.match(paragraph):
            continue
        listing = False
        kept.append(paragraph)
    return kept or body


def _without_related_lists(sel: Selector) -> None:
    """Remove a list that a "Read more:" line introduces, dated or not: the marker line
    goes later with the other "Read also" lines."""
    # Dropped as found: a second list then follows the marker in its turn.
    for node in sel.xpath("//ul|//ol"):
        previous = node.root.getprevious()
        if previous is None or not isinstance(previous.tag, str):
            continue
        text = element_text(previous)
        marker = _RELATED.match(text)
        if marker and not text[marker.end():].strip():
            _drop([node])


def _is_article(sel: Selector, configured_title: str, page_title: str, jsonld: Metadata) -> bool:
    """Whether a page without configured body text is worth the fallbacks: a "not found"
    template or a consent wall (og:type "website") served with 200 is not, unless the
    configured title or the page's JSON-LD names an article."""
    if configured_title or jsonld.title:
        return True
    og_type = (sel.xpath("//meta[@property='og:type']/@content").get() or "").strip().lower()
    heading = " ".join([page_title, *sel.xpath("(//h1)[1]").xpath("string()").getall()])
    return og_type != "website" and not _NOT_FOUND.search(heading)


def _published_or_metadata(sel: Selector, rules: ExtractConfig,
                           metas: list[Metadata]) -> datetime | None:
    """The configured date; the metadata's when there is none, or when the configured one
    is a bare date (a theme's "21 November 2026") and the metadata has that day's time."""
    published = _published(sel, rules)
    zone = ZoneInfo(rules.timezone)
    if published is not None and published.astimezone(zone).time() != time(0):
        return published  # a time of its own
    for meta in metas:
        candidate = parse_datetime(meta.published, rules.timezone, rules.date_formats) \
            if meta.published else None
        if candidate is not None and (published is None or candidate.astimezone(zone).date()
                                      == published.astimezone(zone).date()):
            return candidate
    return published


def _first(*values: Any) -> Any:
    return next((v for v in values if v), values[-1])


def extract_page(html: str, url: str, rules: ExtractConfig, language_hint: str = "") -> ExtractedPage:
    """Extract an article from a page's HTML; never raises on bad markup."""
    if not html or not html.strip():
        return ExtractedPage(language=language_hint)
    try:
        sel = Selector(text=html, type="html")
    except (ValueError, etree.ParserError):
        return ExtractedPage(language=language_hint)
    if sel.root is None or isinstance(sel.root, str):
        return ExtractedPage(language=language_hint)
    metas: list[Metadata] = [read_jsonld(sel, url), read_microdata(sel, url), read_opengraph(sel, url)]
    jsonld, microdata, opengraph = metas
    declared = _first(sel.xpath("/html/@lang").get(), sel.xpath("/html/@xml:lang").get(),
                      jsonld.language, opengraph.language, "")
    canonical = canonical_link(sel, url) or opengraph.url
    page_title = collapse(sel.xpath("//title/text()").get() or "")

    _remove(sel, NOISE)
    _drop(sel.xpath(EMPTY_PARAGRAPHS))
    for query in rules.drop:
        _remove(sel, query)
    _without_related_lists(sel)

    method, body = "selectors", _paragraphs(sel, rules.body)
    if not body:
        method, body = "jsonld", jsonld.body
    if not body:
        method, body = "microdata", microdata.body
    configured_title = _single(sel, rules.title)
    article = body or _is_article(sel, configured_title, page_title, jsonld)
    if not body and article:
        method, body = "trafilatura", _trafilatura(sel.get(), url)
    if not body and article and opengraph.description:
        method, body = "opengraph", [opengraph.description]
    if not body:
        method = "none"

    title = _first(configured_title, *(m.title for m in metas), page_title, "")
    shown_lead = _single(sel, rules.lead)
    lead = _first(shown_lead, *(m.description for m in metas), "")
    # Only a lead the page shows can be repeated by the body: a description in the
    # metadata is often the first paragraph itself, shown once.
    body = _without_heading_lines(_without_related(body),
                                  {title, shown_lead, page_title, *(m.title for m in metas)}, rules)
    author = _first(_byline(sel, rules.author, body), *(m.author for m in metas), "")
    if author and body and body[-1] == author and len(body) > 1:
        body = body[:-1]  # TASS signs an article with its last paragraph

    published = _published_or_metadata(sel, rules, metas)

    tags: list[str] = []
    for query in rules.tags:
        tags = list(dict.fromkeys(v.lstrip("#").strip() for v in _values(sel, query)))
        if tags:
            break
    tags = [t for t in _first(tags, *(m.tags for m in metas), []) if t]

    text = "\n\n".join(body)
    return ExtractedPage(
        title=title,
        lead=lead,
        body=text,
        published=published,
        author=author,
        tags=tags,
        language=_language(declared, text or title, language_hint),
        method=method,
        canonical_url=canonical,
    )

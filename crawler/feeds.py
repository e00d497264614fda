"""A fetched feed's bytes → entries, or a precise reason why there are none.

feedparser does the parsing, but only after this module has (1) decided the encoding
itself (a cp1251 feed without any declaration is common in Russian media), (2) removed
what XML forbids (control characters) and what is dangerous (the DOCTYPE, hence every
entity declaration: no external files, no billion laughs), and (3) told an anti-bot
challenge page apart from a feed, because "blocked" is a health state of its own.
feedparser always gets a BytesIO: given plain bytes it would try them as a file name.
"""

from __future__ import annotations

import calendar
import codecs
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.entities import name2codepoint
from typing import Any, Literal
from urllib.parse import urljoin

import feedparser

from crawler.dates import parse_datetime
from crawler.extract.text import collapse, cyrillic_share, plain_paragraphs, plain_text

FeedStatus = Literal["ok", "empty", "challenge", "not-a-feed", "parse-error"]

# XML 1.0 forbids these even as character references.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL_REF = re.compile(r"&#(?:0*(?:[0-8]|1[1-2]|1[4-9]|2\d|3[01])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]));")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._\-]+)", re.IGNORECASE)
_FIRST_TAG = re.compile(r"<\s*(!doctype\s+html|[A-Za-z][\w:.\-]*)", re.IGNORECASE)
_FEED_ROOTS = ("rss", "feed", "rdf:rdf", "rdf", "channel")
# Anti-bot fronts seen on these sites (mid.ru, StormWall on TASS) and the common CDNs.
# Only looked for on small pages: a homepage may mention them in a script or a form.
_CHALLENGE_MARKERS = (
    "data processing...", "please, wait", "stormwall", "just a moment", "cf-browser-verification",
    "cf_chl_", "challenge-platform", "checking your browser", "ddos-guard", "ddos protection",
    "enable javascript and cookies", "__js_p_", "captcha",
)
# Root elements that mean an HTML page even without <html> (parsers imply it).
_HTML_ROOTS = frozenset({"html", "head", "body", "script", "meta", "title", "div", "p", "noscript",
                         "center", "h1", "style", "link", "table", "a", "span", "br"})
_SCRIPT = re.compile(r"<script[^>]*>(.*?)(?:</script\s*>|$)", re.IGNORECASE | re.DOTALL)
_REDIRECT = re.compile(r"\blocation(?:\.href)?\s*=(?!=)|\blocation\.(?:replace|assign|reload)\s*\(")
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
# Challenge pages say little; a page with more visible text than this is a real page.
_SMALL_PAGE_TEXT = 3000
_URL = re.compile(r"\w+://\S+")
_TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.IGNORECASE | re.DOTALL)
# feedparser complaints that do not mean the document is broken (we fix encoding ourselves).
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass
class FeedEntry:
    link: str
    guid: str
    title: str
    summary: str
    content: str
    published: datetime | None
    author: str
    tags: list[str] = field(default_factory=list)


@dataclass
class ParsedFeed:
    status: FeedStatus
    entries: list[FeedEntry] = field(default_factory=list)
    detail: str = ""
    title: str = ""


# -- bytes → clean text ------------------------------------------------------------------

def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def decode_body(body: bytes, headers: Mapping[str, str]) -> tuple[str, str]:
    """Text and the encoding used (ending in "?" when guessed).

    BOM, then the HTTP charset, then the XML declaration, then UTF-8: the first that
    decodes cleanly wins, so a wrong declaration does not garble a feed. Failing all,
    cp1251 when that gives Cyrillic words (Russian feeds without a declaration), else
    cp1252."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"),
                      (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode("utf-8-sig" if name == "utf-8" else name, "replace"), name
    header = _CHARSET.search(headers.get("content-type", ""))
    declared = _DECL_ENCODING.match(body[:512])
    candidates = [_codec(header.group(1) if header else None),
                  _codec(declared.group(1).decode("ascii") if declared else None), "utf-8"]
    for name in dict.fromkeys(c for c in candidates if c):
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    # A UTF-8 feed with a stray bad byte stays UTF-8: cp1251 text is almost never valid
    # UTF-8, so almost all of its non-ASCII bytes would fail, not a handful.
    lenient = body.decode("utf-8", "replace")
    bad = lenient.count("\ufffd")
    if bad <= 0.05 * sum(1 for c in lenient if c > "\x7f"):
        return lenient, "utf-8"
    try:
        text = body.decode("cp1251")
    except UnicodeDecodeError:
        text = ""
    if text and cyrillic_share(_URL.sub(" ", _TAGS.sub(" ", text))) >= 0.5:
        return text, "cp1251?"
    # HTML5's rule for undeclared single-byte text; never fails.
    return body.decode("cp1252", "replace"), "cp1252?"


def _strip_doctype(text: str) -> str:
    """Remove the DOCTYPE with its internal subset: no entity is ever declared, so none
    can read a file or expand exponentially. Quote-aware, since entity values hold '>'."""
    start = text.upper().find("<!DOCTYPE")
    if start < 0 or re.search(r"<[A-Za-z]", _COMMENTS.sub("", text[:start])):
        return text  # none, or it is inside the document (a CDATA text), not before the root
    depth, quote, i = 0, "", start + 9
    while i < len(text):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == ">" and depth == 0:
            return text[:start] + text[i + 1:]
        i += 1
    return text[:start]  # unterminated: nothing after it can be a feed anyway


def _numeric_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES or name not in name2codepoint:
        return match.group(0)
    return f"&#{name2codepoint[name]};"


def clean_xml(text: str) -> str:
    """What XML forbids or what is dangerous, out; HTML's named entities (&nbsp; &laquo;,
    common in these feeds and undefined in XML) as numeric references, so one of them
    does not push the whole feed onto feedparser's lenient fallback parser."""
    text = _CONTROL_REF.sub("", _CONTROL.sub("", text))
    text = _NAMED_ENTITY.sub(_numeric_entity, _strip_doctype(text))
    # Bytes go to feedparser as UTF-8 now: the declaration must not say otherwise.
    return _XML_DECL.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)


# -- HTML where a feed was expected --------------------------------------------------------

def _root_name(text: str) -> str:
    for match in _FIRST_TAG.finditer(_COMMENTS.sub("", text[:50000])):
        name = match.group(1).lower()
        if name.startswith("!doctype"):
            return "html"
        return name
    return ""


def _classify_html(text: str) -> ParsedFeed:
    visible = collapse(_TAGS.sub(" ", text))
    small = len(visible) < _SMALL_PAGE_TEXT
    lowered = text[:200000].lower()
    for marker in _CHALLENGE_MARKERS:
        if small and marker in lowered:
            return ParsedFeed("challenge", detail="HTML JavaScript challenge page where a feed was "
                                                  f"expected (marker {marker!r})")
    if small and any(_REDIRECT.search(body) for body in _SCRIPT.findall(text)):
        return ParsedFeed("challenge", detail="HTML page with a JavaScript location redirect "
                                              "where a feed was expected")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    named = f" ({collapse(title.group(1))[:80]!r})" if title and collapse(title.group(1)) else ""
    return ParsedFeed("not-a-feed", detail=f"HTML page{named} where a feed was expected")


# -- entries -------------------------------------------------------------------------------

def _published(entry: Any) -> datetime | None:
    for key in ("published", "updated", "created", "dc_date"):
        value = parse_datetime(entry.get(key))
        if value is not None:
            return value
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None


def _full_text(entry: Any) -> str:
    """content:encoded (feedparser's ``content``), else yandex:full-text under any prefix."""
    for part in entry.get("content") or []:
        value = part.get("value") or ""
        if value.strip():
            return "\n\n".join(plain_paragraphs(value))
    for key, value in entry.items():
        if isinstance(value, str) and key.lower().replace("-", "").endswith("fulltext") and value.strip():
            return "\n\n".join(plain_paragraphs(value))
    return ""


def _link(entry: Any, base_url: str) -> str:
    link = (entry.get("link") or "").strip()
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
                link = candidate["href"].strip()
                break
    guid = (entry.get("id") or "").strip()
    if not link and guid.startswith(("http://", "https://")):
        link = guid
    if link == guid and not link.startswith(("http://", "https://", "/")):
        return ""  # feedparser promoted a non-URL guid (isPermaLink by default) to the link
    absolute = urljoin(base_url, link) if link else ""
    return absolute if absolute.startswith(("http://", "https://")) else ""


def _entry(entry: Any, base_url: str) -> FeedEntry | None:
    link = _link(entry, base_url)
    if not link:
        return None
    content = _full_text(entry)
    summary = plain_text(entry.get("summary") or "")
    if summary and content and summary == content.replace("\n\n", " "):
        summary = ""  # feeds without a description copy the full text into it
    author = entry.get("author") or ", ".join(
        a.get("name", "") for a in entry.get("authors") or [] if a.get("name"))
    tags = [collapse(t.get("term") or t.get("label") or "") for t in entry.get("tags") or []]
    return FeedEntry(
        link=link,
        guid=collapse(entry.get("id") or "") or link,
        title=plain_text(entry.get("title") or ""),
        summary=summary,
        content=content,
        published=_published(entry),
        author=plain_text(author),
        tags=list(dict.fromkeys(t for t in tags if t)),
    )


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
    """Parse a fetched feed. Never raises; a non-ok status says why there are no entries."""
    lower = {k.lower(): v for k, v in headers.items()}
    if not body or not body.strip():
        return ParsedFeed("not-a-feed", detail="empty response body")
    text, encoding = decode_body(body, lower)
    cleaned = clean_xml(text)
    root = _root_name(cleaned)
    if not root:
        return ParsedFeed("not-a-feed", detail="the response has no markup at all: not a feed")
    html_type = "html" in lower.get("content-type", "").lower()
    if not root.startswith(_FEED_ROOTS) and (root in _HTML_ROOTS or html_type):
        return _classify_html(text)
    parser_headers = {**lower, "content-type": "application/xml; charset=utf-8"}
    parser_headers.setdefault("content-location", url)  # base for relative links
    try:
        # Entry HTML becomes plain text here (scripts and styles dropped by
        # crawler.extract.text), so feedparser's own sanitising and relative-link
        # rewriting inside it would be work thrown away.
        parsed = feedparser.parse(io.BytesIO(cleaned.encode("utf-8")), response_headers=parser_headers,
                                  sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser is robust, but a feed must never crash a crawl
        return ParsedFeed("parse-error", detail=f"feedparser failed: {exc!r}")
    error = parsed.get("bozo_exception")
    broken = bool(parsed.get("bozo")) and not isinstance(error, _BENIGN_BOZO)
    title = plain_text(parsed.feed.get("title") or "")
    entries: list[FeedEntry] = []
    skipped = 0
    for raw in parsed.entries:
        entry = _entry(raw, url)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    notes = []
    if encoding.endswith("?"):
        notes.append(f"undeclared encoding: decoded as {encoding[:-1]}")
    if skipped:
        notes.append(f"{skipped} entries without a link skipped")
    if broken:
        notes.append(f"malformed XML ({error}); kept what parsed")
    if entries:
        return ParsedFeed("ok", entries, "; ".join(notes), title)
    if skipped:
        return ParsedFeed("empty", [], "; ".join(notes), title)
    if broken:
        return ParsedFeed("parse-error", detail=f"malformed feed with no entries: {error}", title=title)
    if not parsed.get("version"):
        return ParsedFeed("not-a-feed", detail=f"XML document with root <{root or '?'}> is not a feed")
    return ParsedFeed("empty", [], "the feed has no items", title)

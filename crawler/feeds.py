"""A fetched feed's bytes → entries, or a precise reason why there are none.

feedparser does the parsing (plain RSS goes to crawler.rss_fast: the same entries,
faster), but only after this module has (1) decided the encoding itself (a cp1251 feed
without any declaration is common in Russian media), (2) removed what XML forbids
(control characters) and what is dangerous (the DOCTYPE, hence every entity
declaration: no external files, no billion laughs), and (3) told an anti-bot challenge
page apart from a feed, because "blocked" is a health state of its own.
feedparser always gets a BytesIO: given plain bytes it would try them as a file name.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.entities import html5
from typing import Literal

import feedparser

from crawler.challenge import TAGS, bare_redirect, challenge_reason
from crawler.extract.text import collapse, cyrillic_share, plain_text
from crawler.feed_entries import FeedEntry, feed_entry
from crawler.rss_fast import RawFeed, parse_rss

__all__ = ["FeedEntry", "ParsedFeed", "clean_xml", "decode_body", "parse_feed"]

log = logging.getLogger(__name__)

FeedStatus = Literal["ok", "empty", "challenge", "not-a-feed", "parse-error"]

# XML 1.0 forbids these even as character references.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL_REF = re.compile(r"&#(?:0*(?:[0-8]|1[1-2]|1[4-9]|2\d|3[01])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]));")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_BARE_AMP = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});)")
_CDATA = re.compile(r"(<!\[CDATA\[.*?(?:\]\]>|$))", re.DOTALL)
# Bitrix with an empty SERVER_NAME (mid.ru) prints "http:///ru/...": a path on the feed's
# host, which feedparser would read as the host "ru".
_EMPTY_HOST = re.compile(r"\bhttps?:///+(?=[^/\s])", re.IGNORECASE)
_DOCTYPE = re.compile("<!DOCTYPE", re.IGNORECASE)
_FEED_START = re.compile(r"<\?xml\s|<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']", re.IGNORECASE)
# Codecs.lookup names of the charsets in which any byte sequence decodes.
_SINGLE_BYTE = re.compile(r"^(?:cp125\d|cp866|iso8859-\d+|koi8-\w|mac-\w+)$")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._\-]+)", re.IGNORECASE)
_FIRST_TAG = re.compile(r"<\s*(!doctype\s+html|[A-Za-z][\w:.\-]*)", re.IGNORECASE)
_FEED_ROOTS = ("rss", "feed", "rdf:rdf", "rdf", "channel")
# Root elements that mean an HTML page even without <html> (parsers imply it).
_HTML_ROOTS = frozenset({"html", "head", "body", "script", "meta", "title", "div", "p", "noscript",
                         "center", "h1", "style", "link", "table", "a", "span", "br"})
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_URL = re.compile(r"\w+://\S+")
# feedparser complaints that do not mean the document is broken (we fix encoding ourselves).
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


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


def _strict_utf8(body: bytes) -> str | None:
    """The body as UTF-8 when it has non-ASCII bytes and they are all valid UTF-8."""
    if body.isascii():
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_body(body: bytes, headers: Mapping[str, str]) -> tuple[str, str]:
    """Text and the encoding used (ending in "?" when guessed).

    BOM, then the HTTP charset, then the XML declaration, then UTF-8: the first that
    decodes cleanly wins, so a wrong declaration does not garble a feed; but non-ASCII
    text that is valid UTF-8 is UTF-8 whatever single-byte charset is declared (those
    decode any bytes, and real cp1251 text is practically never valid UTF-8). Failing
    all, cp1251 when that gives Cyrillic words (Russian feeds without a declaration),
    else cp1252."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"),
                      (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode("utf-8-sig" if name == "utf-8" else name, "replace"), name
    header = _CHARSET.search(headers.get("content-type", ""))
    declared = _DECL_ENCODING.match(body[:512])
    candidates = [_codec(header.group(1) if header else None),
                  _codec(declared.group(1).decode("ascii") if declared else None), "utf-8"]
    utf8 = _strict_utf8(body)
    for name in dict.fromkeys(c for c in candidates if c):
        if utf8 is not None and _SINGLE_BYTE.match(name):
            return utf8, "utf-8"
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
    if text and cyrillic_share(_URL.sub(" ", TAGS.sub(" ", text))) >= 0.5:
        return text, "cp1251?"
    # HTML5's rule for undeclared single-byte text; never fails.
    return body.decode("cp1252", "replace"), "cp1252?"


def _strip_doctype(text: str) -> str:
    """Remove the DOCTYPE with its internal subset: no entity is ever declared, so none
    can read a file or expand exponentially. Quote-aware, since entity values hold '>'."""
    found = _DOCTYPE.search(text)
    start = found.start() if found else -1
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
    if name in _XML_ENTITIES:
        return match.group(0)
    value = html5.get(f"{name};")
    if value is None:
        return f"&amp;{name};"  # no entity at all: the text a browser would show
    return "".join(f"&#{ord(char)};" for char in value)


def _escape_bare_amps(text: str) -> str:
    """"R&D", "AT&T", "?a=1&b=2" as XML wants them; CDATA sections are literal already."""
    return "".join(part if part.startswith("<![CDATA[") else _BARE_AMP.sub("&amp;", part)
                   for part in _CDATA.split(text))


def _drop_leading_junk(text: str) -> str:
    """PHP warnings printed before a WordPress feed ("<br />\n<b>Warning</b>: ..."):
    everything before the XML declaration or the feed's root goes, unless it is an HTML
    page's own start (a page that mentions "<rss" stays a page)."""
    match = _FEED_START.search(text, 0, 65536)
    if not match or not text[:match.start()].strip():
        return text
    junk = text[:match.start()]
    return text if _HTML_START.search(junk) else text[match.start():]


def clean_xml(text: str) -> str:
    """What XML forbids or what is dangerous, out; HTML's named entities (&nbsp; &laquo;,
    common in these feeds and undefined in XML) as numeric references and a bare "&" as
    "&amp;", so that one of them does not push the whole feed onto feedparser's loose
    fallback parser (which mangles them and returns CDATA HTML escaped)."""
    text = _drop_leading_junk(_CONTROL_REF.sub("", _CONTROL.sub("", text)))
    text = _NAMED_ENTITY.sub(_numeric_entity, _strip_doctype(text))
    text = _escape_bare_amps(text)
    if ":///" in text:  # what _EMPTY_HOST needs; its leading \b makes it scan every position
        text = _EMPTY_HOST.sub("/", text)
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


def _classify_text(text: str) -> ParsedFeed:
    """A body without any markup: a bare script redirecting the browser is a challenge."""
    if bare_redirect(text):
        return ParsedFeed("challenge", detail="a bare JavaScript location redirect where a feed was expected")
    return ParsedFeed("not-a-feed", detail="the response has no markup at all: not a feed")


def _classify_html(text: str) -> ParsedFeed:
    reason = challenge_reason(text)
    if reason is not None:
        return ParsedFeed("challenge", detail=f"HTML JavaScript challenge page where a feed was "
                                              f"expected ({reason})")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    named = f" ({collapse(title.group(1))[:80]!r})" if title and collapse(title.group(1)) else ""
    return ParsedFeed("not-a-feed", detail=f"HTML page{named} where a feed was expected")


def parse_feed(body: bytes, headers: Mapping[str, str], url: str,
               timezone: str = "UTC") -> ParsedFeed:
    """Parse a fetched feed. Never raises; a non-ok status says why there are no entries.
    ``timezone`` is the source's, for dates printed without a zone."""
    lower = {k.lower(): v for k, v in headers.items()}
    if not body or not body.strip():
        return ParsedFeed("not-a-feed", detail="empty response body")
    text, encoding = decode_body(body, lower)
    cleaned = clean_xml(text)
    root = _root_name(cleaned)
    if not root:
        return _classify_text(text)
    html_type = "html" in lower.get("content-type", "").lower()
    if not root.startswith(_FEED_ROOTS) and (root in _HTML_ROOTS or html_type):
        return _classify_html(text)
    data = cleaned.encode("utf-8")
    try:  # plain RSS without feedparser's cost; anything else returns None
        feed = parse_rss(data)
    except Exception as exc:  # a fast-path bug must cost speed, never the feed
        log.warning("the fast RSS parser failed on %s (%r): feedparser reads it", url, exc)
        feed = None
    error: object = None
    broken = False
    if feed is None:
        # No base URL for feedparser: it would turn "tass.ru/politika/1" into a path under
        # the feed's own; crawler.feed_entries resolves links (xml:base is still applied).
        parser_headers = {k: v for k, v in lower.items() if k != "content-location"}
        parser_headers["content-type"] = "application/xml; charset=utf-8"
        try:
            # Entry HTML becomes plain text here (scripts and styles dropped by
            # crawler.extract.text), so feedparser's own sanitising and relative-link
            # rewriting inside it would be work thrown away.
            parsed = feedparser.parse(io.BytesIO(data), response_headers=parser_headers,
                                      sanitize_html=False, resolve_relative_uris=False)
        except Exception as exc:  # feedparser is robust, but a feed must never crash a crawl
            return ParsedFeed("parse-error", detail=f"feedparser failed: {exc!r}")
        error = parsed.get("bozo_exception")
        broken = bool(parsed.get("bozo")) and not isinstance(error, _BENIGN_BOZO)
        feed = RawFeed(parsed.entries, parsed.feed.get("title") or "", parsed.get("version") or "")
    title = plain_text(feed.title)
    entries: list[FeedEntry] = []
    skipped = 0
    for raw in feed.entries:
        entry = feed_entry(raw, url, timezone)
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
    if broken:  # items without a link in a broken document are the breakage's doing
        return ParsedFeed("parse-error", detail=f"malformed feed with no usable entries: {error}",
                          title=title)
    if skipped:
        return ParsedFeed("empty", [], "; ".join(notes), title)
    if not feed.version:
        return ParsedFeed("not-a-feed", detail=f"XML document with root <{root or '?'}> is not a feed")
    return ParsedFeed("empty", [], "the feed has no items", title)

"""Plain RSS 2.0 read with lxml into the entries feedparser would have produced.

feedparser's SAX machinery costs ~0.2 ms an item, most of the ingest's time; this takes
a tenth of that. It builds the entry dicts crawler.feed_entries reads exactly as
feedparser does (reusing its clean-up, URL and date helpers), but only from documents made
of elements whose feedparser handling is modelled here. Anything unusual -- Atom, RDF,
xml:base, markup in a title, an attribute or element feedparser reads its own way, a name
only one of the two XML parsers accepts -- returns None, and feedparser reads it as before.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from lxml import etree

__all__ = ["DISABLED", "RawFeed", "parse_rss"]

try:  # feedparser's own helpers, so that both read alike; a release that moved them
    from feedparser.datetimes import _parse_date  # costs the fast path, never the feeds
    from feedparser.html import _cp1252
    from feedparser.mixin import _FeedParserMixin
    from feedparser.urls import _urljoin
    DISABLED = ""
except ImportError as exc:
    DISABLED = f"the fast RSS path is off: feedparser no longer has what it reuses ({exc})"
    logging.getLogger(__name__).warning(DISABLED)

_DC = "{http://purl.org/dc/elements/1.1/}"
_MEDIA = ("{http://search.yahoo.com/mrss/}", "{http://search.yahoo.com/mrss}")
_MEDIA_LEAVES = frozenset(f"{ns}{name}" for ns in _MEDIA for name in ("content", "thumbnail"))
# An item's children → feedparser's handling (namespaces/_base.py, dc.py, mediarss.py).
# "skip": nothing feed_entry reads (an enclosure adds a rel="enclosure" link, never taken);
# "group": media:group, a no-op whose children feedparser reads as the item's own.
_OPS = {"title": "title", "link": "link", "guid": "guid", "description": "summary", "pubDate": "published",
        f"{_DC}date": "updated", "author": "author", f"{_DC}creator": "author", "category": "category",
        f"{_DC}subject": "category", "{http://purl.org/rss/1.0/modules/content/}encoded": "content",
        "enclosure": "skip", "source": "skip", "comments": "skip",
        **dict.fromkeys(_MEDIA_LEAVES, "skip"), **{f"{ns}group": "group" for ns in _MEDIA}}
# Attributes a modelled element may carry (others change the reading: type=, mode="base64",
# term=); None: any, feedparser keeps them out of the keys read.
_ATTRS: dict[str, frozenset[str] | None] = {
    "guid": frozenset({"isPermaLink"}), **dict.fromkeys(("category", f"{_DC}subject"), frozenset({"domain"})),
    **{tag: None for tag, op in _OPS.items() if op == "skip"}}
# The keys feed_entry reads. Another element is kept only if neither a feedparser handler
# nor such a key can end in its name, whatever prefix feedparser gives it ("<prefix>_<name>").
_READ = ("link", "links", "id", "title", "summary", "content", "published", "updated", "created",
         "dc_date", "published_parsed", "updated_parsed", "authors", "author", "tags")
_HANDLED = [] if DISABLED else [name.split("_", 2)[2] for name in dir(_FeedParserMixin)
                                 if name.startswith(("_start_", "_end_"))]
_BUSY = frozenset(name.lower()[i + 1:] for name in (*_HANDLED, *_READ)
                  for i in range(-1, len(name)) if i < 0 or name[i] == "_")
# Channel-level names that could set the feed's title, open an entry or end the channel.
_CHANNEL_BUSY = frozenset({"title", "item", "entry", "channel", "feed"})
_IMAGE_PARTS = frozenset({"url", "title", "link", "width", "height", "description"})
_KNOWN = {} if DISABLED else {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_DECLARATION = re.compile(rb"xmlns(?::([^\s=]*))?\s*=\s*([\"'])(.*?)\2", re.DOTALL)
# feedparser handles a DOCTYPE's entities, a BOM and the xlink namespace in its own ways.
_REJECT = (b"<!DOCTYPE", b"<!ENTITY", b"http://www.w3.org/1999/xlink")
_ENTITY_LIKE = re.compile("&([A-Za-z0-9_]+);")
_C1 = re.compile("[\x80-\x9f]")
_EMAIL = re.compile(r"(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|"
                    r"(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?")  # feedparser's


@dataclass
class RawFeed:
    """What crawler.feeds takes from a parser: this one's result or feedparser's."""

    entries: list[Any]  # dicts with feedparser's keys (feedparser's: FeedParserDicts)
    title: str  # the channel's title, raw
    version: str  # non-empty for a feed


class _ParsedDate:
    """feedparser's ``*_parsed`` reading of a date, computed only if feed_entry falls back
    to it (the text did not parse): its parser costs about as much as the rest of an item."""

    def __init__(self, text: str) -> None:
        self._text = text

    @functools.cached_property
    def _value(self) -> time.struct_time | None:
        try:
            return _parse_date(self._text)
        except Exception:  # it catches its own errors; a date must never fail a feed
            return None

    def __bool__(self) -> bool:
        return self._value is not None

    def __getitem__(self, index: Any) -> Any:  # calendar.timegm slices it
        return tuple(self._value or ())[index]


def _clean(text: str, resolve: bool = False) -> str:
    """feedparser's pop(): stripped, "http:////" repaired (all its join with an empty base
    does), UTF-8 misread as Latin-1 decoded again, C1 controls read as cp1252."""
    value = text.strip()
    if resolve and ":///" in value:
        value = _urljoin("", value)
    if value.isascii():
        return value
    with contextlib.suppress(UnicodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    return value.translate(_cp1252) if _C1.search(value) else value


def _inert(node: Any) -> bool:
    """A comment, or a processing instruction whose target expat accepts too."""
    return node.tag is etree.Comment or (node.tag is etree.PI and node.target.isascii())


def _attrs_ok(node: Any, allowed: frozenset[str] | None) -> bool:
    """No *:base (feedparser's xml:base), no non-ASCII name (expat may reject it), and if
    ``allowed`` is given, nothing else."""
    return all(key.isascii() and key.rpartition("}")[2].lower() != "base"
               and (allowed is None or key in allowed) for key in node.attrib)


def _text(node: Any) -> str | None:
    """The text as feedparser joins it (CDATA included, comments dropped); None when the
    element has children, which feedparser would read as markup or as siblings."""
    if not len(node):
        return node.text or ""
    if not all(_inert(child) for child in node):
        return None
    return "".join([node.text or "", *(child.tail or "" for child in node)])


def _op(node: Any) -> str | None:
    """What to do with an item's child; None: fall back to feedparser."""
    tag = node.tag
    if not isinstance(tag, str):
        return "inert" if _inert(node) else None
    op = _OPS.get(tag)
    if op is not None:
        return op if _attrs_ok(node, _ATTRS.get(tag, frozenset())) else None
    name = tag.rpartition("}")[2].lower()
    if not tag.isascii() or not _attrs_ok(node, None):
        return None
    if name.replace("-", "").endswith("fulltext"):  # feed_entry's yandex:full-text, any prefix
        return "full"
    return None if name in _BUSY else "skip"


def _person(text: str) -> dict[str, str]:
    """feedparser's _sync_author_detail: an RSS author → its authors[] entry."""
    name, email = text, ""
    if match := _EMAIL.search(name):
        email = match.group(0)
        name = name.replace(email, "").replace("()", "").replace("<>", "").replace("&lt;&gt;", "").strip()
        name = name[1:] if name.startswith("(") else name
        name = (name[:-1] if name.endswith(")") else name).strip()
    return {key: value for key, value in (("name", name), ("email", email)) if value}


def _add_tag(tags: list[dict[str, Any]], term: str | None, scheme: str | None) -> None:
    tag = {"term": term, "scheme": scheme, "label": None}
    if (term or scheme) and tag not in tags:
        tags.append(tag)


def _entry(item: Any) -> dict[str, Any] | None:
    if item.attrib:  # rdf:about, lastmod, href: feedparser reads them as id, date, link
        return None
    entry: dict[str, Any] = {}
    once: set[str] = set()  # a second title, description or full text: feedparser's rules differ
    for child in item:
        op = _op(child)
        if op == "inert":
            continue
        if op == "group":
            if not all(_inert(node) or (node.tag in _MEDIA_LEAVES and _op(node) == "skip"
                                        and _text(node) is not None) for node in child):
                return None
            continue
        text = _text(child)
        if op is None or text is None or op in once:
            return None
        if op in ("title", "summary", "full"):
            once.add(op)
        if op in ("title", "summary"):
            entry[op] = _clean(text)
        elif op == "link":
            value = _clean(text, resolve=True)
            if "&" in value:  # feedparser's repair of "?a=1&b;=2"
                value = _ENTITY_LIKE.sub(r"&\g<1>", value.replace("&amp;", "&"))
            entry["link"] = value
            entry.setdefault("links", []).append(
                {"rel": "alternate", "type": "text/html", **({"href": value} if value else {})})
        elif op == "guid":
            permalink = child.get("isPermaLink", "true") == "true"
            entry["id"] = value = _clean(text, resolve=permalink)
            if permalink:  # the link, unless a <link> came first
                entry.setdefault("link", value)
        elif op == "content":  # the first content:encoded is also the summary until a description
            value = _clean(text)
            entry.setdefault("content", []).append({"value": value})
            entry.setdefault("summary", value)
        elif op in ("published", "updated"):
            entry[op] = value = _clean(text)
            entry[f"{op}_parsed"] = _ParsedDate(value)
        elif op == "author":
            entry["author"] = value = _clean(text)
            entry.setdefault("authors", []).append(_person(value))
        elif op == "category":  # a domain opens a tag that the text then names
            tags = entry.setdefault("tags", [])
            _add_tag(tags, None, child.get("domain"))
            if value := _clean(text):
                if tags and not tags[-1]["term"]:
                    tags[-1]["term"] = value
                else:
                    _add_tag(tags, value, None)
        elif op == "full" and not child.attrib:  # with attributes feedparser keeps those instead
            entry["full-text"] = _clean(text)
    return entry


def _harmless(node: Any) -> bool:
    """A channel-level subtree that can neither reach the feed's title nor make entries."""
    if node.tag == "image":  # its title stays the image's while nothing else is inside
        return _attrs_ok(node, None) and all(
            _inert(child) or (child.tag in _IMAGE_PARTS and not child.attrib and _text(child) is not None)
            for child in node)
    return all(_inert(element) if not isinstance(element.tag, str) else (
        element.tag.isascii() and element.tag.rpartition("}")[2].lower() not in _CHANNEL_BUSY
        and _attrs_ok(element, None)) for element in node.iter())


def _declarations_ok(data: bytes) -> bool:
    """ASCII prefixes (expat rejects some names lxml takes), and content:, dc:, media:
    bound to nothing feedparser knows by another name (it would remap their elements)."""
    for match in _DECLARATION.finditer(data):
        prefix, uri = match.group(1) or b"", match.group(3)
        if not (prefix + uri).isascii() or b"&" in uri:
            return False
        if prefix in (b"content", b"dc", b"media"):
            lower = uri.decode().lower()
            known = "" if "backend.userland.com/rss" in lower else _KNOWN.get(lower)
            if known not in (None, prefix.decode()):
                return False
    return True


def parse_rss(data: bytes) -> RawFeed | None:
    """The document (UTF-8, cleaned by crawler.feeds.clean_xml) as feedparser would read
    it, or None when it is anything but plain RSS: then feedparser must read it."""
    if DISABLED or data.startswith(codecs.BOM_UTF8) or any(m in data for m in _REJECT) \
            or not _declarations_ok(data):
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None  # feedparser's bozo handling decides
    outside = [*root.itersiblings(preceding=True), *root.itersiblings()]
    if root.tag != "rss" or not _attrs_ok(root, None) or not all(_inert(node) for node in outside):
        return None
    elements = [node for node in root if not _inert(node)]
    if len(elements) != 1 or elements[0].tag != "channel" or not _attrs_ok(elements[0], None):
        return None
    entries: list[dict[str, Any]] = []
    titles: list[str] = []
    for child in elements[0]:
        if child.tag == "item":
            entry = _entry(child)
            if entry is None:
                return None
            entries.append(entry)
        elif child.tag == "title":
            text = None if child.attrib else _text(child)
            if text is None or titles:
                return None
            titles.append(_clean(text))
        elif not _harmless(child):
            return None
    version = "rss20" if root.get("version", "").startswith("2.") else "rss"
    return RawFeed(entries, titles[0] if titles else "", version)

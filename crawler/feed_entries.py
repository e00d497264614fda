"""One feedparser entry → a FeedEntry: its link, dates, people, tags and text.

The feeds' text fields are HTML, plain text or HTML escaped once too often (a loose
parse, double escaping): all of it comes out as plain paragraphs. What the CMSs add
around an article (WordPress's "[…]" and "Read more", Yoast's "The post … appeared
first on …", TASS's byline paragraph) is taken out of the text.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.dates import parse_datetime
from crawler.extract.text import collapse, markup_paragraphs, markup_text, plain_text, unescape_markup

# TASS: "A byline, when present, is only the last <p><em><strong> of the full text".
_BYLINE = re.compile(r"<p>\s*<em>\s*<strong>([^<]{1,120})</strong>\s*</em>\s*</p>\s*$", re.IGNORECASE)
_INITIAL = re.compile(r"\b\w\.")  # "А. Смирнова": an initial's dot ends no sentence
_SENTENCE_MARK = re.compile(r"[.!?…:;\"«»“”()]")
# Yoast SEO's footer, added to both the description and content:encoded.
_YOAST = re.compile(r"^The post .+ appeared first on .+\.?$", re.DOTALL)
_READ_MORE = ("read more", "continue reading", "читать далее", "подробнее", "ვრცლად")
_FILLER_CHARS = " .…»›→>:–—-[]()"
# WordPress ends an excerpt in "[…]", sometimes followed by a "Read more" link.
_MORE_TAIL = "»›→>.…"
_TRAILING_MORE = re.compile(rf"(?<=[…\].])\s*(?:{'|'.join(_READ_MORE)})[\s{_MORE_TAIL}]*$", re.IGNORECASE)
# What _TRAILING_MORE needs at the very end once its tail is trimmed: checked first, on
# the last few characters, since scanning a whole summary with a lookbehind costs more.
_MORE_AT_END = re.compile(rf"(?:{'|'.join(_READ_MORE)})$", re.IGNORECASE)
_LONGEST_MORE = max(map(len, _READ_MORE))
_TRAILING_ELLIPSIS = re.compile(r"\s*\[\s*(?:…|\.\.\.)\s*\]$")
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_EMAIL_ONLY = re.compile(rf"^(?:mailto:)?{_EMAIL}$")
_EMAIL_AND_NAME = re.compile(rf"^{_EMAIL}\s*\((.+)\)$")  # RSS <author>: "news@tass.com (Ivan Petrov)"
_NAME_AND_EMAIL = re.compile(rf"^(.+?)\s*[(<]\s*{_EMAIL}\s*[)>]$")  # "Ivan Petrov <news@tass.com>"


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


# -- links -----------------------------------------------------------------------------------

def _on_host(link: str, host: str) -> bool:
    """Whether a scheme-less link starts with the feed's own host name ("tass.ru/politika/1")."""
    first = link.split("/", 1)[0].lower()
    return bool(host) and first.removeprefix("www.") == host.removeprefix("www.")


@lru_cache(maxsize=256)
def _base(base_url: str) -> tuple[str, str]:
    """The feed URL's scheme and host name: the same for every entry of a feed."""
    base = urlsplit(base_url)
    return base.scheme, base.hostname or ""


def absolute_link(link: str, base_url: str) -> str:
    """An http(s) URL with a lower-case scheme and host, or "" when ``link`` is none."""
    link = "".join(link.split())  # CDATA newlines, a space typed into the URL
    if not link:
        return ""
    try:
        parts = urlsplit(link)
        # An absolute link (nearly every feed's) is what urljoin would hand back; one
        # with a ";" is not (urljoin drops an empty ";params").
        if parts.scheme not in ("http", "https") or not parts.netloc or ";" in link:
            scheme, host = _base(base_url)
            if not parts.scheme and not link.startswith("/") and _on_host(link, host):
                link = f"{scheme}://{link}"
            parts = urlsplit(urljoin(base_url, link))
    except ValueError:  # "ftp:////y[…]": a bracketed host that is no IPv6 address
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, parts.query, parts.fragment))


def _link(entry: Any, base_url: str) -> str:
    link = (entry.get("link") or "").strip()
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
                link = candidate["href"].strip()
                break
    guid = (entry.get("id") or "").strip()
    if not link and guid.lower().startswith(("http://", "https://")):
        link = guid
    host = _base(base_url)[1]
    if link == guid and not (link.lower().startswith(("http://", "https://", "/")) or _on_host(link, host)):
        return ""  # feedparser promoted a non-URL guid (isPermaLink by default) to the link
    return absolute_link(link, base_url)


# -- dates, people, tags -------------------------------------------------------------------

def _published(entry: Any, timezone: str) -> datetime | None:
    # dict.get: feedparser's own get maps a missing "updated" to "published" with a warning.
    for key in ("published", "updated", "created", "dc_date"):
        value = parse_datetime(dict.get(entry, key), timezone)
        if value is not None:
            return value
    for key in ("published_parsed", "updated_parsed"):
        parsed = dict.get(entry, key)
        if parsed:  # feedparser's own reading, through the same sanity checks (no 1970)
            value = parse_datetime(calendar.timegm(parsed))
            if value is not None:
                return value
    return None


def _person(text: str) -> str:
    """A name from an RSS/Atom person: the e-mail address dropped, an address alone is none."""
    if not text:
        return ""
    name = markup_text(text)
    for pattern in (_EMAIL_AND_NAME, _NAME_AND_EMAIL):
        if match := pattern.match(name):
            name = match.group(1).strip()
    return "" if _EMAIL_ONLY.match(name) else name


def _author(entry: Any) -> str:
    """Every author: several dc:creator or Atom <author> come as feedparser's ``authors``."""
    names = [_person(person.get("name") or "") for person in entry.get("authors") or []]
    if not any(names):
        names = [_person(entry.get("author") or "")]
    return ", ".join(dict.fromkeys(name for name in names if name))


def _tags(entry: Any) -> list[str]:
    tags = [plain_text(t.get("term") or t.get("label") or "") for t in entry.get("tags") or []]
    return list(dict.fromkeys(tag for tag in tags if tag))


# -- text ------------------------------------------------------------------------------------

def _is_filler(paragraph: str) -> bool:
    """A paragraph that is only "[…]" or a bare "Read more" link: no text of the article."""
    stripped = paragraph.strip(_FILLER_CHARS).lower()
    return not stripped or stripped in _READ_MORE


def _article_paragraphs(value: str) -> list[str]:
    """Paragraphs without the CMS's trailing footer and "Read more" lines."""
    paragraphs = markup_paragraphs(value)
    while paragraphs and (_is_filler(paragraphs[-1]) or _YOAST.match(paragraphs[-1])):
        paragraphs.pop()
    return paragraphs


def split_byline(markup: str) -> tuple[str, str]:
    """TASS full text → (the text without its byline paragraph, the byline or "")."""
    match = _BYLINE.search(markup)
    if not match:
        return markup, ""
    name = plain_text(match.group(1))
    if not name or len(name) > 60 or len(name.split()) > 6 or _SENTENCE_MARK.search(_INITIAL.sub("", name)):
        return markup, ""  # a sentence in bold italics, not a name
    return markup[:match.start()], name


def _full_text(entry: Any) -> tuple[str, str]:
    """(text, byline): content:encoded, else yandex:full-text under any prefix. A field
    without text (content:encoded holding only an image) does not end the search."""
    for part in entry.get("content") or []:
        text = "\n\n".join(_article_paragraphs(part.get("value") or ""))
        if text:
            return text, ""
    for key, value in entry.items():
        if isinstance(value, str) and key.lower().replace("-", "").endswith("fulltext"):
            markup, byline = split_byline(unescape_markup(value))
            text = "\n\n".join(_article_paragraphs(markup))
            if text:
                return text, byline
    return "", ""


def _trimmed(text: str) -> str:
    """The text without the arrows, dots and spaces _TRAILING_MORE allows at its end."""
    while (shorter := text.rstrip().rstrip(_MORE_TAIL)) != text:
        text = shorter
    return text


def _summary(value: str, content: str) -> str:
    summary = " ".join(_article_paragraphs(value))
    trimmed = _trimmed(summary)
    if _MORE_AT_END.search(trimmed, max(0, len(trimmed) - _LONGEST_MORE)):
        summary = _TRAILING_MORE.sub("", summary)
    if summary.rstrip().endswith("]"):
        summary = _TRAILING_ELLIPSIS.sub("", summary)
    summary = summary.strip()
    if _is_filler(summary) or (content and summary == content.replace("\n\n", " ")):
        return ""  # feeds without a description copy the full text into it
    return summary


def feed_entry(entry: Any, base_url: str, timezone: str = "UTC") -> FeedEntry | None:
    """The entry, or None when it has no link to an article; a date printed without a
    zone is read in ``timezone`` (the source's: mid.ru prints Moscow time)."""
    link = _link(entry, base_url)
    if not link:
        return None
    content, byline = _full_text(entry)
    return FeedEntry(
        link=link,
        guid=collapse(entry.get("id") or "") or link,
        title=markup_text(entry.get("title") or ""),
        summary=_summary(entry.get("summary") or "", content),
        content=content,
        published=_published(entry, timezone),
        author=_author(entry) or byline,
        tags=_tags(entry),
    )

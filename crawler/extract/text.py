"""HTML → plain text with paragraph breaks, and the script a text is written in.

Shared by page extraction and feed parsing so that a feed's full text and a page's
body come out in the same shape: paragraphs of collapsed whitespace joined by "\\n\\n".
"""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import lxml.html
from lxml import etree

# Elements whose text is never article text.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "button", "select", "option", "head", "title", "meta", "link",
})
# Elements that end a paragraph.
BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "table", "tr", "td", "th", "section", "article", "aside", "header",
    "footer", "figure", "figcaption", "main", "hr", "address", "details", "summary", "form",
})
# nbsp, zero-width characters, soft hyphen: invisible on the page, noise in matching.
# Soft hyphens and zero-width characters; bidirectional overrides and isolates (which
# would show a title reversed in an alert); control characters but whitespace (a
# terminal escape has no place in text).
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069"
                        "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_LOOKS_HTML = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*|/[a-zA-Z][a-zA-Z0-9]*|!--)[^<]*>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")


def collapse(text: str) -> str:
    """One line: invisible characters gone, every whitespace run (nbsp too) one space."""
    # Every invisible character is unprintable: most texts pass the check in C and skip
    # the slower scan. str.split() splits on exactly what \s matches (nbsp too).
    if not text.isprintable():
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def element_paragraphs(element: Any) -> list[str]:
    """The visible text of an lxml element, one string per block-level paragraph."""
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = collapse("".join(buffer))
        if text:
            paragraphs.append(text)
        buffer.clear()

    def walk(node: Any) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if not tag:  # comment or processing instruction: only its tail is text
            return
        name = tag.rsplit("}", 1)[-1].lower()
        if name in SKIP_TAGS:
            return
        block = name in BLOCK_TAGS
        if block:
            flush()
        if node.text:
            buffer.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if block:
            flush()

    walk(element)
    flush()
    return paragraphs


def element_text(element: Any) -> str:
    """An element's visible text on one line."""
    return " ".join(element_paragraphs(element))


def html_paragraphs(fragment: str) -> list[str]:
    """Paragraphs of an HTML fragment (a feed's full text, a JSON-LD articleBody)."""
    if not fragment or not fragment.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    except (AssertionError, IndexError):
        # A page's start where a fragment was expected ("<html><head>…", a description
        # cut short): lxml's fragment parser finds no body and asserts. Read it as a
        # document instead; its head (title, meta) is no text.
        try:
            root = lxml.html.document_fromstring(fragment)
        except (etree.ParserError, ValueError):
            return []
    return element_paragraphs(root)


def plain_paragraphs(text: str) -> list[str]:
    """Paragraphs of text that may or may not be HTML; entities are unescaped once."""
    if not text:  # most often an absent field: nothing to scan
        return []
    if _LOOKS_HTML.search(text):
        return html_paragraphs(text)
    if _ENTITY.search(text):
        text = htmllib.unescape(text)
    return [p for p in (collapse(line) for line in text.splitlines()) if p]


def plain_text(text: str) -> str:
    """Text that may be HTML → one line of plain text."""
    return " ".join(plain_paragraphs(text))


def unescape_markup(text: str) -> str:
    """HTML that arrived escaped (``&lt;p&gt;``: feedparser's loose parser, feeds that
    escape inside CDATA) unescaped once; any other text as it is."""
    if _LOOKS_HTML.search(text) or not _ENTITY.search(text):
        return text
    unescaped = htmllib.unescape(text)
    return unescaped if _LOOKS_HTML.search(unescaped) else text


def markup_paragraphs(text: str) -> list[str]:
    """plain_paragraphs for feed text, which may be escaped once or twice too often:
    a paragraph that still holds markup after parsing is parsed as HTML once more."""
    paragraphs = plain_paragraphs(unescape_markup(text))
    return [part for paragraph in paragraphs
            for part in (html_paragraphs(paragraph) if _LOOKS_HTML.search(paragraph) else [paragraph])]


def markup_text(text: str) -> str:
    """markup_paragraphs on one line."""
    return " ".join(markup_paragraphs(text))


def script_language(text: str, minimum: int = 20) -> str:
    """"ka", "ru" or "latin" for the script most letters are in; "" when too few letters."""
    georgian = cyrillic = latin = 0
    for char in text:
        code = ord(char)
        if 0x10A0 <= code <= 0x10FF or 0x1C90 <= code <= 0x1CBF or 0x2D00 <= code <= 0x2D2F:
            georgian += 1
        elif 0x0400 <= code <= 0x052F:
            cyrillic += 1
        elif (char.isascii() and char.isalpha()) or 0x00C0 <= code <= 0x024F:
            latin += 1
    total = georgian + cyrillic + latin
    if total < minimum:
        return ""
    best = max((georgian, "ka"), (cyrillic, "ru"), (latin, "latin"))
    return best[1]


_CYRILLIC_WORD = re.compile("[\u0400-\u04ff]{2,}")


def cyrillic_share(text: str) -> float:
    """Share of the letters of ``text`` that are in Cyrillic words (0 when it has none).

    Words, not letters: Latin-1 text read as cp1251 also turns into Cyrillic letters,
    but scattered one by one inside Latin words ("cafР№"), never whole words.
    """
    letters = sum(1 for c in text if c.isalpha())
    if not letters:
        return 0.0
    return sum(len(w) for w in _CYRILLIC_WORD.findall(text)) / letters

"""What a page says about itself: JSON-LD, schema.org microdata and OpenGraph/article meta.

Read before the page is cleaned (JSON-LD lives in ``<script>``). Each reader returns the
same ``Metadata`` shape so the caller can take each field from the first that has it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.text import (
    collapse,
    element_paragraphs,
    element_text,
    plain_paragraphs,
    plain_text,
)

ARTICLE_TYPES = frozenset({
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "blogposting", "liveblogposting",
    "report", "scholarlyarticle", "techarticle",
})
_CDATA = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")


@dataclass
class Metadata:
    title: str = ""
    description: str = ""
    body: list[str] = field(default_factory=list)
    published: str = ""
    author: str = ""
    tags: list[str] = field(default_factory=list)
    language: str = ""
    url: str = ""


def _texts(value: Any) -> list[str]:
    """Names out of a JSON-LD value that may be a string, an object or a list of them."""
    if isinstance(value, str):  # some CMSs HTML-escape their JSON-LD strings
        return [plain_text(value)] if plain_text(value) else []
    if isinstance(value, dict):
        return _texts(value.get("name") or value.get("@value") or "")
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [plain_text(part) for part in value.split(",") if plain_text(part)]
    if isinstance(value, list):
        return [word for item in value for word in _keywords(item)]
    if isinstance(value, dict):
        return _keywords(value.get("name") or "")
    return []


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD tree: top level, lists and @graph."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node:
                yield from _walk(node[key])


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1].lower() for k in kinds}


def read_jsonld(sel: Selector, base_url: str) -> Metadata:
    articles: list[dict[str, Any]] = []
    for raw in sel.xpath("//script[contains(translate(@type, 'JSONLD', 'jsonld'), 'ld+json')]/text()")\
            .getall():
        try:
            data = json.loads(_CDATA.sub("", raw), strict=False)
        except ValueError:
            continue  # one broken block must not hide the others
        articles += [node for node in _walk(data) if _types(node) & ARTICLE_TYPES]
    if not articles:
        return Metadata()
    # A page may describe related articles too: the one carrying the text is the page's.
    node = max(articles, key=lambda n: (bool(n.get("articleBody")), bool(n.get("headline"))))
    body = node.get("articleBody")
    language = node.get("inLanguage")
    url = node.get("url") or node.get("mainEntityOfPage")
    if isinstance(url, dict):
        url = url.get("@id") or url.get("url")
    return Metadata(
        title=" ".join(_texts(node.get("headline") or node.get("name"))),
        description=" ".join(_texts(node.get("description"))),
        body=plain_paragraphs(body) if isinstance(body, str) else [],
        published=str(node.get("datePublished") or node.get("dateCreated") or ""),
        author=", ".join(_unique(_texts(node.get("author")))),
        tags=_unique(_keywords(node.get("keywords"))),
        language=language if isinstance(language, str) else "",
        url=urljoin(base_url, url) if isinstance(url, str) and url else "",
    )


def _prop(scope: Selector, name: str) -> Selector | None:
    found = scope.css(f"[itemprop~={name}]")
    return found[0] if found else None


def _prop_value(node: Selector | None) -> str:
    """Microdata value: content/datetime attribute where the element has one, else its text."""
    if node is None:
        return ""
    for attr in ("content", "datetime"):
        value = node.attrib.get(attr)
        if value:
            return collapse(value)
    return element_text(node.root)


def read_microdata(sel: Selector, base_url: str) -> Metadata:
    scopes = [s for s in sel.css("[itemscope][itemtype]")
              if s.attrib.get("itemtype", "").rstrip("/").rsplit("/", 1)[-1].lower() in ARTICLE_TYPES]
    # Sputnik puts its itemprops in a meta block with no article scope around it.
    scope = scopes[0] if scopes else sel
    author_node = _prop(scope, "author")
    author = ""
    if author_node is not None:
        name = _prop(author_node, "name")
        author = _prop_value(name) if name is not None else _prop_value(author_node)
    body_node = _prop(scope, "articleBody")
    keywords = _prop_value(_prop(scope, "keywords"))
    return Metadata(
        title=_prop_value(_prop(scope, "headline")),
        description=_prop_value(_prop(scope, "description")),
        body=element_paragraphs(body_node.root) if body_node is not None else [],
        published=_prop_value(_prop(scope, "datePublished")),
        author=author,
        tags=_unique(_keywords(keywords)),
        url="",
    )


def _meta(sel: Selector, *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        values += sel.xpath(f"//meta[@property='{name}' or @name='{name}']/@content").getall()
    return [plain_text(v) for v in values if plain_text(v)]


def read_opengraph(sel: Selector, base_url: str) -> Metadata:
    authors = [a for a in _meta(sel, "article:author", "author") if not a.startswith("http")]
    # Not the plain "keywords" meta: sites fill it with the same words on every page.
    keywords = _meta(sel, "news_keywords")
    url = (_meta(sel, "og:url") or [""])[0]
    return Metadata(
        title=(_meta(sel, "og:title", "twitter:title") or [""])[0],
        description=(_meta(sel, "og:description", "description", "twitter:description") or [""])[0],
        published=(_meta(sel, "article:published_time", "pubdate", "publish-date") or [""])[0],
        author=authors[0] if authors else "",
        tags=_unique(_meta(sel, "article:tag") or _keywords(keywords[0] if keywords else "")),
        language=(_meta(sel, "og:locale") or [""])[0],
        url=urljoin(base_url, url) if url else "",
    )


def canonical_link(sel: Selector, base_url: str) -> str:
    href = sel.xpath("//link[contains(concat(' ', translate(normalize-space(@rel), 'CANONICAL', "
                     "'canonical'), ' '), ' canonical ')]/@href").get()
    return urljoin(base_url, href.strip()) if href and href.strip() else ""

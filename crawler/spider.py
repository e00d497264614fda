"""One spider class for every source: its routes in order (feed, listing, sitemap),
then the article pages of items whose feed text is only a headline.

The spider writes its outcome into the ``SourceResult`` it was given rather than
yielding Scrapy items: the cycle stores a source's articles and validators in one
transaction, after the crawl.
"""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from OpenSSL import SSL
from scrapy import exceptions
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.internet import defer, error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from core.config import CrawlerConfig, RouteConfig
from core.urls import canonical_url, on_domains, url_hash
from crawler.challenge import challenge_reason
from crawler.extract import extract_page
from crawler.feeds import parse_feed
from crawler.items import (
    ArticleItem,
    SourcePlan,
    SourceResult,
    failed_page_attempts,
    page_retry_mark,
)
from crawler.listing import MAX_SITEMAP_BYTES, ListingItem, parse_listing, read_sitemap

BLOCKED_STATUSES = frozenset({401, 403, 429, 451})
# A sitemap index may list further indexes (a site's index of per-section indexes).
MAX_SITEMAP_DEPTH = 2


def feed_fingerprint(title: str, summary: str, content: str) -> str:
    """What the feed says about an item; a change means the item was revised."""
    return hashlib.sha256(f"{title}\x1f{summary}\x1f{content}".encode()).hexdigest()[:32]


def describe_failure(failure: Failure, timeout: float) -> str:
    """A network failure in words an operator can act on (no mirror URLs, no tracebacks)."""
    if failure.check(exceptions.DownloadTimeoutError, TimeoutError, defer.TimeoutError,
                     error.TimeoutError):
        return f"timed out after {timeout:g}s"
    if failure.check(exceptions.DownloadConnectionRefusedError, error.ConnectionRefusedError):
        return "connection refused"
    if failure.check(exceptions.CannotResolveHostError, error.DNSLookupError):
        return "DNS lookup failed"
    if failure.check(exceptions.ResponseDataLossError):
        return "the response was cut short"
    if (tls := _tls_problem(failure.value)) is not None:
        return tls
    if failure.check(exceptions.DownloadFailedError, ResponseNeverReceived, error.ConnectionLost,
                     error.ConnectionDone):
        return "connection reset or closed before a complete response"
    if failure.check(IgnoreRequest):
        message = failure.getErrorMessage()
        if "DOWNLOAD_MAXSIZE" in message or "maxsize" in message.lower():
            return "response over the size cap (DOWNLOAD_MAXSIZE), after decompression"
        if "redirect" in message.lower():
            return f"redirect loop or too many redirects ({message})"
        return message
    if failure.check(exceptions.DownloadCancelledError):
        return "download cancelled (larger than the size cap?)"
    return failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]


def _tls_problem(exc: BaseException | None, depth: int = 0) -> str | None:
    """What the TLS handshake refused, found wherever Twisted or Scrapy wrapped it."""
    if exc is None or depth > 6:
        return None
    text = str(exc)
    if isinstance(exc, SSL.Error | ssl.SSLError) or "certificate verify failed" in text:
        if "certificate verify failed" in text or "CERTIFICATE_VERIFY_FAILED" in text:
            return ("TLS certificate not trusted (certificate verify failed): if the site's "
                    "CA is legitimate but not in the system store (mid.ru's Russian Trusted "
                    "Root), add it to a bundle named by SSL_CERT_FILE")
        return f"TLS handshake failed: {text[:200]}"
    nested = [reason.value for reason in getattr(exc, "reasons", None) or []
              if isinstance(reason, Failure)]
    for inner in [*nested, exc.__cause__, exc.__context__]:
        if (found := _tls_problem(inner, depth + 1)) is not None:
            return found
    return None


def _lower_headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }


def _newest_first(item: ListingItem) -> float:
    return -item.published.timestamp() if item.published else 0.0


class SourceSpider(scrapy.Spider):
    name = "source"

    def __init__(self, plan: SourcePlan, result: SourceResult, config: CrawlerConfig,
                 **kwargs: Any) -> None:
        super().__init__(name=plan.source.name, **kwargs)
        self.plan = plan
        self.source = plan.source
        self.result = result
        self.config = config
        self.domains = self.source.allowed_domains
        self.pages_requested = 0
        self.seen: set[str] = set()  # url hashes of this crawl's items
        self.route_failures: list[str] = []
        self.route_outcomes: list[str] = []

    async def start(self) -> AsyncIterator[Any]:
        yield self._route_request(0)

    # -- routes -------------------------------------------------------------------

    def _route_request(self, index: int, url: str = "", sitemap_depth: int = 0) -> scrapy.Request:
        route = self.source.routes[index]
        meta: dict[str, Any] = {"route_index": index, "conditional": route.type == "feed"}
        if route.type == "sitemap":  # up to the protocol's own limit, not the page cap
            meta.update(sitemap_depth=sitemap_depth,
                        download_maxsize=max(MAX_SITEMAP_BYTES, self.config.download_maxsize))
        return scrapy.Request(
            url or route.url,
            callback=self.parse_route,
            errback=self.route_failed,
            dont_filter=True,
            # Every status reaches the spider (HTTPERROR_ALLOW_ALL) except redirects, which
            # the redirect middleware follows (handle_httpstatus_all would stop it).
            meta=meta,
            priority=10,
        )

    def _fall_back(self, index: int, outcome: str, detail: str) -> Iterator[scrapy.Request]:
        """Record a failed route; try the next one, if the source has one."""
        route = self.source.routes[index]
        self.route_failures.append(f"{route.type} {route.url}: {detail}")
        self.route_outcomes.append(outcome)
        self.result.degraded = "; ".join(self.route_failures)
        self.logger.warning("source %s: %s route failed: %s", self.source.name, route.type, detail)
        if index + 1 < len(self.source.routes):
            yield self._route_request(index + 1)
            return
        if self.result.outcome not in ("ok", "not-modified", "empty"):
            # An anti-bot answer anywhere says more than a fallback's 404 does.
            self.result.outcome = "blocked" if "blocked" in self.route_outcomes \
                else self.route_outcomes[0]
            self.result.detail = self.result.degraded

    def route_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        index = request.meta["route_index"]
        reason = describe_failure(failure, self.config.download_timeout)
        # A refusal by robots.txt or the private-address guard is "blocked"; a redirect
        # loop or an oversized body is a fault of the source ("failing").
        refused = failure.check(IgnoreRequest) and not reason.startswith(("redirect", "response"))
        outcome = "blocked" if refused else "failing"
        self.result.errors.append(f"{request.url}: {reason}")
        yield from self._fall_back(index, outcome, reason)

    def parse_route(self, response: Response) -> Iterator[scrapy.Request]:
        index = response.meta["route_index"]
        route = self.source.routes[index]
        self.result.bytes_received += len(response.body)
        if response.status == 304:
            self.result.not_modified += 1
            self._settle("not-modified", "feed not modified since the last fetch")
            return
        self.result.fetched += 1
        if response.status in BLOCKED_STATUSES:
            yield from self._fall_back(index, "blocked", f"HTTP {response.status}")
            return
        if response.status >= 400:
            yield from self._fall_back(index, "failing", f"HTTP {response.status}")
            return
        if route.type == "feed":
            yield from self._parse_feed(response, index)
        else:
            yield from self._parse_listing(response, route, index)

    def _settle(self, outcome: str, detail: str) -> None:
        order = ("ok", "not-modified", "empty")
        if self.result.outcome not in order or order.index(outcome) < order.index(self.result.outcome):
            self.result.outcome = outcome
            self.result.detail = "; ".join([*self.route_failures, detail]) if self.route_failures \
                else detail

    def _remember_validators(self, response: Response) -> None:
        etag = (response.headers.get(b"ETag") or b"").decode("latin-1")
        modified = (response.headers.get(b"Last-Modified") or b"").decode("latin-1")
        if etag or modified:
            self.result.validators[response.url] = (etag, modified)

    def _parse_feed(self, response: Response, index: int) -> Iterator[scrapy.Request]:
        parsed = parse_feed(response.body, _lower_headers(response), response.url,
                            self.source.extract.timezone)
        if parsed.status == "challenge":
            yield from self._fall_back(index, "blocked", parsed.detail)
            return
        if parsed.status in ("not-a-feed", "parse-error"):
            yield from self._fall_back(index, "parse-error", parsed.detail)
            return
        self._remember_validators(response)
        if parsed.status == "empty" or not parsed.entries:
            self._settle("empty", parsed.detail or "the feed has no items")
            return
        self._settle("ok", parsed.detail)
        for entry in parsed.entries:
            yield from self._item(
                link=entry.link, title=entry.title, summary=entry.summary, content=entry.content,
                published=entry.published, author=entry.author, tags=entry.tags,
            )

    def _parse_listing(self, response: Response, route: RouteConfig,
                       index: int) -> Iterator[scrapy.Request]:
        entries: list[ListingItem]
        extract = self.source.extract
        if route.type == "sitemap":
            sitemap = read_sitemap(response.body, response.url, extract.timezone,
                                   route.link_pattern)
            depth = response.meta.get("sitemap_depth", 0)
            if sitemap.children and depth < MAX_SITEMAP_DEPTH:
                # An index (Sputnik's monthly article sitemaps, WordPress's per-type ones):
                # its newest sitemap holds the news, and stands for the route from here on.
                yield self._route_request(index, sitemap.children[0], depth + 1)
                return
            # A month's sitemap lists thousands: the newest, as many as may have their page
            # fetched in one cycle, are the news (a feed's worth).
            entries = sorted(sitemap.items, key=_newest_first)[:max(self.config.max_pages_per_source, 1)]
        else:
            entries = parse_listing(response.text, response.url, route, extract.timezone,
                                    extract.date_formats)
        if not entries and hasattr(response, "text") \
                and (reason := challenge_reason(response.text)) is not None:
            yield from self._fall_back(index, "blocked", f"anti-bot challenge page where a "
                                                         f"{route.type} was expected ({reason})")
            return
        if not entries:
            yield from self._fall_back(index, "parse-error",
                                       f"{route.type} page yielded no items (selectors stale?)")
            return
        self._settle("ok", f"via {route.type}" if index else "")
        for entry in entries:
            yield from self._item(link=entry.link, title=entry.title, summary="", content="",
                                  published=entry.published, author="", tags=[])

    # -- items and pages ------------------------------------------------------------

    def _item(self, *, link: str, title: str, summary: str, content: str, published: Any,
              author: str, tags: list[str]) -> Iterator[scrapy.Request]:
        url = canonical_url(link, force_https=self.source.force_https)
        if not on_domains(url, self.domains):
            # A feed linking elsewhere is not followed, and not stored as this source's.
            self.result.skipped_offsite += 1
            return
        key = url_hash(url)
        fingerprint = feed_fingerprint(title, summary, content)
        stored = self.plan.known.get(key)
        failures = failed_page_attempts(stored, fingerprint)
        if stored == fingerprint or (failures or 0) > self.config.page_retries:
            return  # stored already and the feed says nothing new about it
        if key in self.seen:
            return  # the same article twice in one feed
        self.seen.add(key)
        item = ArticleItem(
            source=self.source.name, url=url, url_hash=key, title=title, summary=summary,
            body=content, published=published, author=author, tags=list(tags),
            language=self.source.language, extraction="feed", feed_hash=fingerprint,
        )
        # Only a full-text field (content:encoded, yandex:full-text) can stand in for the
        # page: a description is an excerpt however long (WordPress's ends in "[…]").
        needs_page = len(content) < self.config.min_feed_text
        if needs_page and self.config.fetch_pages:
            self.result.items.append(item)  # kept even if the page cannot be had
            if self.pages_requested >= self.config.max_pages_per_source:
                item.feed_hash = page_retry_mark(failures or 0, fingerprint)  # next cycle
                return
            self.pages_requested += 1
            yield scrapy.Request(
                link if link.startswith("http") else url,
                callback=self.parse_page,
                errback=self.page_failed,
                meta={"item": item, "failures": failures or 0},
            )
            return
        self.result.items.append(item)

    def parse_page(self, response: Response) -> None:
        item: ArticleItem = response.meta["item"]
        self.result.bytes_received += len(response.body)
        if response.status != 200 or not hasattr(response, "text"):
            self._page_missing(response.meta, f"HTTP {response.status}")
            return
        reason = challenge_reason(response.text)
        if reason is not None:
            self._page_missing(response.meta, f"anti-bot challenge page ({reason})")
            return
        self.result.pages += 1
        page = extract_page(response.text, item.url, self.source.extract, self.source.language)
        if not page.body:
            self._page_missing(response.meta, "no article text found")
            return
        item.title = page.title or item.title
        item.body = page.body
        item.summary = item.summary or page.lead
        item.published = item.published or page.published
        item.author = item.author or page.author
        item.tags = list(dict.fromkeys([*item.tags, *page.tags]))
        item.language = page.language or item.language
        item.extraction = page.method

    def page_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self._page_missing(request.meta, describe_failure(failure, self.config.download_timeout))

    def _page_missing(self, meta: dict[str, Any], reason: str) -> None:
        """The item keeps the feed's text, and is marked so that a later cycle asks for
        its page again."""
        item: ArticleItem = meta["item"]
        failures = meta.get("failures", 0) + 1
        self.result.page_errors += 1
        retry = "; asked again next cycle" if failures <= self.config.page_retries else ""
        self.result.errors.append(f"page {item.url}: {reason}{retry}")
        item.feed_hash = page_retry_mark(failures, item.feed_hash)

"""Conditional GET from validators kept in the database (not Scrapy's HTTP cache,
which replays cached bodies on 304 and can skip requests entirely).

A request marked ``meta["conditional"]`` gets ``If-None-Match`` /
``If-Modified-Since`` from the source's stored validators; the spider treats
304 as "nothing new" and stores the new validators only with its items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler


class ConditionalGetMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if not request.meta.get("conditional"):
            return
        plan = getattr(self.crawler.spider, "plan", None)
        if plan is None:
            return
        etag, last_modified = plan.validators.get(request.url, ("", ""))
        if etag:
            request.headers.setdefault(b"If-None-Match", etag.encode("latin-1"))
        if last_modified:
            request.headers.setdefault(b"If-Modified-Since", last_modified.encode("latin-1"))

"""Run one crawl of several sources on the already-running asyncio reactor.

One ``AsyncCrawlerRunner`` per process and a fresh crawler per source per
cycle (DESIGN.md, process model). ``crawl()`` returns normally when sources
fail; each source's outcome comes from what its spider recorded, its
``spider_error`` signals and the crawl's ``finish_reason``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from twisted.python.failure import Failure

from core.config import CrawlerConfig
from crawler.items import SourcePlan, SourceResult
from crawler.settings import scrapy_settings
from crawler.spider import SourceSpider

log = logging.getLogger(__name__)


class _Watcher:
    """Collects a crawler's spider errors and finish reason into its SourceResult.

    Scrapy keeps signal receivers as weak references, so this object is kept
    alive by the crawl that owns it (and uses bound methods, not lambdas).
    """

    def __init__(self, crawler: Crawler, result: SourceResult) -> None:
        self.result = result
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_error(self, failure: Failure, response: Any, spider: Any) -> None:
        message = f"{getattr(response, 'url', '?')}: {failure.getErrorMessage()}"
        log.error("source %s: spider error: %s\n%s", self.result.source, message,
                  failure.getTraceback())
        self.result.errors.append(message)
        if self.result.outcome in ("ok", "empty") and not self.result.items:
            self.result.outcome = "parse-error"
            self.result.detail = message

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.result.finish_reason = reason


class _WithoutTraceback(logging.Filter):
    """Scrapy's robots.txt middleware logs an unreachable site with a full traceback;
    the spider names the same failure per route in one line, so one line is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_WithoutTraceback())


class CrawlService:
    def __init__(self, config: CrawlerConfig, *, mirror: str | None = None,
                 log_level: str = "WARNING") -> None:
        self.config = config
        self.mirror = mirror
        self.runner = AsyncCrawlerRunner(scrapy_settings(config, mirror=mirror, log_level=log_level))

    async def crawl(self, plans: Sequence[SourcePlan]) -> dict[str, SourceResult]:
        results = {plan.source.name: SourceResult(source=plan.source.name) for plan in plans}
        watchers: list[_Watcher] = []
        tasks = []
        for plan in plans:
            result = results[plan.source.name]
            crawler = self.runner.create_crawler(SourceSpider)
            watchers.append(_Watcher(crawler, result))
            tasks.append(self.runner.crawl(crawler, plan=plan, result=result, config=self.config))
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        for plan, outcome in zip(plans, outcomes, strict=True):
            result = results[plan.source.name]
            if isinstance(outcome, BaseException):
                log.error("source %s: crawl crashed: %r", plan.source.name, outcome)
                result.outcome, result.detail = "failing", f"crawl crashed: {outcome!r}"
            elif result.finish_reason and result.finish_reason != "finished":
                result.outcome = "failing"
                result.detail = f"crawl ended early: {result.finish_reason}"
        del watchers
        return results

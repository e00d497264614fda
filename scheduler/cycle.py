"""One cycle: crawl → extract → dedupe → match → enqueue → deliver.

`monitor run-once` and the daemon both call :func:`run_cycle`; the scheduler
only decides when. Each source is stored in its own transaction, so a failing
source (or a database error while storing one) never loses the others' work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from alerts.channels import build_channels
from alerts.outbox import DeliveryReport, deliver_due
from alerts.rules import RuleSet
from core.config import Settings, SourceConfig
from core.db import database_failure, make_engine, session_scope
from core.errors import StorageError
from crawler.items import SourcePlan, SourceResult
from crawler.run import CrawlService
from scheduler.health import record_outcome
from scheduler.ingest import IngestStats, known_items, store_result, stored_validators
from scheduler.stories import StoryIndex

log = logging.getLogger(__name__)


@dataclass
class SourceReport:
    name: str
    state: str
    fetched: int = 0
    not_modified: int = 0
    new: int = 0
    updated: int = 0
    matches: int = 0
    alerts: int = 0
    errors: int = 0
    detail: str = ""
    failed: bool = False


@dataclass
class CycleReport:
    sources: list[SourceReport] = field(default_factory=list)
    delivery: DeliveryReport | None = None
    duration: float = 0.0
    storage_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        delivery_failed = bool(self.delivery and (self.delivery.errors or self.delivery.dead
                                                  or self.delivery.retried))
        return not (any(s.failed for s in self.sources) or delivery_failed or self.storage_errors)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


class Monitor:
    """The composed runtime: settings, database, crawler, rules and channels, built once."""

    def __init__(self, settings: Settings, *, mirror: str | None = None,
                 engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.storage.url)
        self.rules = RuleSet.compile(settings.rules, settings.aliases)
        self.stories = StoryIndex()  # loaded on first use, then kept in step
        self.channels, self.disabled_channels = build_channels(settings.channels)
        for name, reason in self.disabled_channels.items():
            log.warning("channel %s disabled: %s", name, reason)
        for rule in settings.rules:
            if rule.channels and not any(name in self.channels for name in rule.channels):
                # Its matches are stored, but nobody hears of them, not even later.
                log.warning("rule %s alerts nowhere: every channel it names is disabled (%s)",
                            rule.name, ", ".join(rule.channels))
        self.crawler = CrawlService(settings.crawler, mirror=mirror,
                                    log_level="ERROR" if settings.logging.level != "DEBUG" else "INFO")

    def select_sources(self, names: Sequence[str] = ()) -> list[SourceConfig]:
        if not names:
            return [s for s in self.settings.sources if s.enabled]
        return [self.settings.source(name) for name in names]

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()


def _plan(monitor: Monitor, source: SourceConfig) -> SourcePlan:
    with session_scope(monitor.engine) as session:
        plan = SourcePlan(source=source, validators=stored_validators(session, source.name),
                          known=known_items(session, source.name))
    pending = plan.pages_pending(monitor.settings.crawler.page_retries)
    if pending:
        # A 304 would hand back no items, hence no page to ask for again.
        log.info("source %s: %d article pages to ask for again: the feed is fetched in full",
                 source.name, pending)
        plan.validators = {}
    return plan


def _store(monitor: Monitor, source: SourceConfig, result: SourceResult) -> SourceReport:
    report = SourceReport(name=source.name, state=result.outcome, fetched=result.fetched,
                          not_modified=result.not_modified,
                          errors=len(result.errors) + (1 if result.failed else 0),
                          detail=result.detail, failed=result.failed)
    for error in result.errors:  # a page or callback that failed, isolated from the rest
        log.warning("source %s: %s", source.name, error)
    enabled = list(monitor.channels)
    operator = [c for c in monitor.settings.operator.channels if c in monitor.channels]
    stats = IngestStats()
    with session_scope(monitor.engine) as session:
        stats = store_result(session, result, monitor.rules, enabled, monitor.stories)
        state = record_outcome(session, source, result, stats.new, operator)
        report.state = state.state
    report.new, report.updated, report.alerts = stats.new, stats.updated, stats.alerts
    report.matches = stats.matches
    log.info("source %s: %s, %d fetched, %d new, %d updated, %d alerts", source.name,
             report.state, report.fetched, report.new, report.updated, report.alerts)
    return report


async def run_cycle(monitor: Monitor, sources: Sequence[SourceConfig] | None = None, *,
                    deliver: bool = True) -> CycleReport:
    """Crawl the given sources (default: all enabled), store, match, enqueue, deliver."""
    started = time.monotonic()
    chosen = list(sources) if sources is not None else monitor.select_sources()
    report = CycleReport()
    try:
        plans = [_plan(monitor, source) for source in chosen]
    except SQLAlchemyError as exc:  # nothing fetched yet, so nothing is lost
        raise StorageError(f"cannot read the sources' state: {database_failure(exc)}") from None
    results = await monitor.crawler.crawl(plans)
    for source in chosen:
        try:
            report.sources.append(_store(monitor, source, results[source.name]))
        except Exception as exc:
            # One source's storage failure (a full disk, a lost connection) must not lose
            # the others. Its transaction rolled back, validators included, so the next
            # cycle fetches and stores the source again in full.
            monitor.stories.invalidate()  # it may hold the rolled-back articles
            reason = database_failure(exc) if isinstance(exc, SQLAlchemyError) else repr(exc)
            log.error("source %s: storing failed, kept for the next cycle: %s", source.name, reason)
            log.debug("source %s: storing failed", source.name, exc_info=True)
            report.storage_errors.append(f"{source.name}: {reason}")
            report.sources.append(SourceReport(name=source.name, state="failing", errors=1,
                                               detail=f"storage failed: {reason}", failed=True))
    if deliver:
        try:
            report.delivery = await deliver_due(monitor.engine, monitor.channels,
                                                monitor.settings.delivery)
        except SQLAlchemyError as exc:  # queued alerts stay queued for the next delivery
            reason = database_failure(exc)
            log.error("delivery: the outbox could not be updated, retried next cycle: %s", reason)
            report.storage_errors.append(f"delivery: {reason}")
    report.duration = time.monotonic() - started
    return report

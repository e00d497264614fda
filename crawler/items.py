"""What a crawl hands back: one result per source, with its articles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.config import SourceConfig


@dataclass
class ArticleItem:
    source: str
    url: str  # canonical, real (never the mirror's)
    url_hash: str
    title: str
    summary: str = ""
    body: str = ""
    published: datetime | None = None
    author: str = ""
    tags: list[str] = field(default_factory=list)
    language: str = ""
    extraction: str = "feed"
    feed_hash: str = ""


# The stored feed hash of an item whose page could not be had: "page-retry:N:<fingerprint>",
# so the next cycles ask for the page again (N failures so far) until it comes or N runs out.
PAGE_RETRY = "page-retry:"


def page_retry_mark(failures: int, fingerprint: str) -> str:
    return f"{PAGE_RETRY}{failures}:{fingerprint}"


def failed_page_attempts(stored: str | None, fingerprint: str | None = None) -> int | None:
    """How often an item's page has failed, when its stored feed hash says so (for this
    very feed text, when given: a changed item starts afresh); else None."""
    if not stored or not stored.startswith(PAGE_RETRY):
        return None
    count, _, marked = stored[len(PAGE_RETRY):].partition(":")
    if not count.isdigit() or (fingerprint is not None and marked != fingerprint):
        return None
    return int(count)


@dataclass
class SourcePlan:
    """What the crawl needs to know from storage before it starts."""

    source: SourceConfig
    # url → (etag, last_modified) from the previous successful fetch
    validators: dict[str, tuple[str, str]] = field(default_factory=dict)
    # url_hash → feed_hash of articles already stored (unchanged ones are skipped)
    known: dict[str, str] = field(default_factory=dict)

    def pages_pending(self, retries: int) -> int:
        """Stored items whose page is still to be asked for again."""
        return sum(1 for stored in self.known.values()
                   if (failed := failed_page_attempts(stored)) is not None and failed <= retries)


# Outcomes, worst last; a source's state is the outcome of its best route.
OUTCOMES = ("ok", "not-modified", "empty", "blocked", "parse-error", "failing")


@dataclass
class SourceResult:
    source: str
    outcome: str = "failing"
    detail: str = ""
    items: list[ArticleItem] = field(default_factory=list)
    # validators to store, only for routes that answered with a usable feed
    validators: dict[str, tuple[str, str]] = field(default_factory=dict)
    fetched: int = 0
    not_modified: int = 0
    pages: int = 0
    page_errors: int = 0
    skipped_offsite: int = 0
    errors: list[str] = field(default_factory=list)
    finish_reason: str = ""
    # routes that failed before a fallback route succeeded (the source still works)
    degraded: str = ""
    bytes_received: int = 0

    @property
    def failed(self) -> bool:
        return self.outcome in ("blocked", "parse-error", "failing")

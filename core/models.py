"""The database tables (SQLModel). Every stored time is timezone-aware UTC.

Identity rules that the unique indexes enforce, so that re-crawls, restarts and
replicas can never create a second row:
- an article is its canonical URL (``url_hash``);
- a rule matches an article once (``article_id, rule``);
- an alert is one per (rule, story, channel).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint, func
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Meta(SQLModel, table=True):
    """Facts about the database itself, such as which algorithm computed a stored value."""

    __tablename__ = "meta"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(default="", max_length=500)


class SourceState(SQLModel, table=True):
    """One row per configured source: its health, as `monitor sources` shows it."""

    __tablename__ = "sources"

    name: str = Field(primary_key=True, max_length=100)
    state: str = Field(default="new", max_length=20)
    state_since: datetime = Field(default_factory=utcnow)
    state_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    last_error_at: datetime | None = None
    last_new_item: datetime | None = None
    consecutive_failures: int = 0
    items_seen: int = 0
    next_poll_at: datetime | None = None
    transitions: int = 0


class FetchValidator(SQLModel, table=True):
    """ETag / Last-Modified of one URL, stored with the items it produced."""

    __tablename__ = "fetch_validators"

    url: str = Field(primary_key=True, max_length=2000)
    source: str = Field(index=True, max_length=100)
    etag: str = Field(default="", max_length=500)
    last_modified: str = Field(default="", max_length=100)
    updated_at: datetime = Field(default_factory=utcnow)


class Article(SQLModel, table=True):
    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_published", "published"),
        Index("ix_articles_story", "story_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    url_hash: str = Field(max_length=64, unique=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(index=True, max_length=100)
    language: str = Field(default="", max_length=8)
    title: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    author: str = Field(default="", max_length=500)
    tags: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    published: datetime
    published_flag: str = Field(default="", max_length=20)
    first_seen: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    content_hash: str = Field(index=True, max_length=64)
    feed_hash: str = Field(default="", max_length=64)
    simhash: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # bottom-k word sketch, space-separated (core.hashing.sketch)
    sketch: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # numbers, dates and transliterated names, space-separated (core.crosslingual)
    anchors: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    story_id: int | None = None
    revision: int = 1
    extraction: str = Field(default="feed", max_length=20)


def fingerprinted_text(title: str, body: str, summary: str) -> str:
    """The text an article's fingerprints (content hash, SimHash, sketch) are computed
    from: its title, then its body, or its summary when it has none."""
    return f"{title}\n{body or summary}"


# fingerprinted_text in SQL, to read stored articles' texts back.
FINGERPRINTED_TEXT = Article.title + "\n" + func.coalesce(
    func.nullif(Article.body, ""), Article.summary)


class ArticleRevision(SQLModel, table=True):
    """An earlier text of an article that was later revised under the same URL."""

    __tablename__ = "article_revisions"

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(index=True, foreign_key="articles.id")
    revision: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    content_hash: str = Field(max_length=64)
    replaced_at: datetime = Field(default_factory=utcnow)


class RuleMatchRow(SQLModel, table=True):
    __tablename__ = "rule_matches"
    __table_args__ = (UniqueConstraint("article_id", "rule", name="uq_match_article_rule"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(index=True, foreign_key="articles.id")
    rule: str = Field(max_length=100)
    score: float = 0.0
    matched: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    snippet: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    highlights: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    created_at: datetime = Field(default_factory=utcnow)


class Alert(SQLModel, table=True):
    """The outbox: one row per (rule, story, channel); delivery marks it sent."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("rule", "story_id", "channel", name="uq_alert_rule_story_channel"),
        Index("ix_alerts_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=100)
    story_id: int
    channel: str = Field(max_length=100)
    article_id: int | None = Field(default=None, foreign_key="articles.id")
    match_id: int | None = Field(default=None, foreign_key="rule_matches.id")
    kind: str = Field(default="article", max_length=20)  # article | operator
    # pending → sending → sent; failures go back to pending with a later next_attempt_at,
    # or to dead (permanent failure / attempts exhausted).
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    payload: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


ALERT_STATUSES = ("pending", "sending", "sent", "dead", "folded")
SOURCE_STATES = ("new", "ok", "empty", "blocked", "parse-error", "failing", "stale")
BAD_SOURCE_STATES = frozenset({"blocked", "parse-error", "failing", "stale"})

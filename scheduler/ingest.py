"""Store one source's crawl: dedupe, story clusters, revisions, rule matches and the
outbox rows, in one transaction with the source's fetch validators.

Identity is the canonical URL hash (unique index; insert-if-absent). Only rows
actually inserted lead to work: a match row that existed already makes no alert,
and an alert row is unique per (rule, story, channel), so re-crawls, restarts and
replicas cannot alert twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from alerts.rules import Document, RuleMatch, RuleSet
from core.crosslingual import signature
from core.db import insert_ignore
from core.hashing import content_hash, simhash, sketch
from core.models import Alert, Article, ArticleRevision, FetchValidator, RuleMatchRow, utcnow
from crawler.dates import settle_published
from crawler.items import ArticleItem, SourceResult
from scheduler.stories import StoryIndex

log = logging.getLogger(__name__)



@dataclass
class IngestStats:
    new: int = 0
    updated: int = 0
    matches: int = 0
    alerts: int = 0
    alert_ids: list[int] = field(default_factory=list)


@dataclass
class _Stored:
    """What matching and the outbox need of a stored article (new or revised)."""

    id: int
    story_id: int
    title: str
    summary: str
    body: str
    source: str
    language: str


def _document(article: _Stored) -> Document:
    # The feed's summary is often the page's lead or first sentence: match it once.
    summary = article.summary if article.summary.strip() not in article.body else ""
    body = "\n\n".join(part for part in (summary, article.body) if part)
    return Document(title=article.title, body=body, source=article.source,
                    language=article.language)


def _stored(article: Article) -> _Stored:
    assert article.id is not None and article.story_id is not None
    return _Stored(article.id, article.story_id, article.title, article.summary, article.body,
                   article.source, article.language)


# Built once: statements built per row cost more than executing them.
_SET_STORY = (update(Article).where(col(Article.id) == bindparam("article"))
              .values(story_id=bindparam("story")))
_EXISTING_BATCH = 500


def anchor_text(title: str, body: str) -> str:
    """The text to take story anchors from: a Title Case headline is left out, since
    every capitalised word in it would pass for a name."""
    words = [w for w in title.split() if w[:1].isalpha()]
    title_case = words and sum(w[0].isupper() for w in words) > len(words) / 2
    return body if title_case and body else f"{title}\n{body}"


def _enqueue(session: Session, article: _Stored, matches: Iterable[RuleMatch],
             channels: Sequence[str], stats: IngestStats) -> None:
    for match in matches:
        match_id = insert_ignore(session, RuleMatchRow, {
            "article_id": article.id, "rule": match.rule, "score": match.score,
            "matched": json.dumps(match.matched, ensure_ascii=False),
            "snippet": match.snippet, "highlights": json.dumps(match.highlights),
            "created_at": utcnow(),
        })
        if match_id is None:
            continue  # this rule matched this article before: no second alert
        stats.matches += 1
        for channel in match.channels:
            if channel not in channels:
                continue  # disabled at start-up (its secret is unset), said so then
            alert_id = insert_ignore(session, Alert, {
                "rule": match.rule, "story_id": article.story_id, "channel": channel,
                "article_id": article.id, "match_id": match_id, "kind": "article",
                "status": "pending", "next_attempt_at": utcnow(), "created_at": utcnow(),
            })
            if alert_id is not None:
                stats.alerts += 1
                stats.alert_ids.append(alert_id)


def _insert(session: Session, item: ArticleItem, text_hash: str,
            stories: StoryIndex) -> _Stored | None:
    now = utcnow()
    published, flag = settle_published(item.published, now)
    text = f"{item.title}\n{item.body or item.summary}"
    fingerprint = simhash(text)
    anchors = signature(anchor_text(item.title, item.body or item.summary))
    words = sketch(text)
    article_id = insert_ignore(session, Article, {
        "url_hash": item.url_hash, "url": item.url, "source": item.source,
        "language": item.language, "title": item.title, "summary": item.summary,
        "body": item.body, "author": item.author[:500], "tags": json.dumps(item.tags, ensure_ascii=False),
        "published": published, "published_flag": flag, "first_seen": now, "updated_at": now,
        "content_hash": text_hash, "feed_hash": item.feed_hash, "simhash": fingerprint,
        "anchors": " ".join(sorted(anchors)), "sketch": " ".join(sorted(words)),
        "revision": 1, "extraction": item.extraction,
    })
    if article_id is None:
        return None
    story = stories.find(article_id, text_hash, fingerprint, anchors, words, item.language, text)
    stories.add(article_id, story, item.language, fingerprint, anchors, words, now)
    session.connection().execute(_SET_STORY, {"article": article_id, "story": story})
    return _Stored(article_id, story, item.title, item.summary, item.body, item.source,
                   item.language)


def _revise(session: Session, article: Article, item: ArticleItem, text_hash: str) -> bool:
    """Apply a revised text under the same URL, keeping the old one as history."""
    if article.content_hash == text_hash:
        if article.feed_hash != item.feed_hash:
            article.feed_hash = item.feed_hash
            session.add(article)
        return False
    session.add(ArticleRevision(article_id=article.id or 0, revision=article.revision,
                                title=article.title, body=article.body,
                                content_hash=article.content_hash))
    article.title = item.title or article.title
    article.summary = item.summary or article.summary
    article.body = item.body or article.body
    article.content_hash = text_hash
    article.feed_hash = item.feed_hash
    text = f"{article.title}\n{article.body or article.summary}"
    article.simhash = simhash(text)
    article.anchors = " ".join(sorted(signature(anchor_text(article.title,
                                                             article.body or article.summary))))
    article.sketch = " ".join(sorted(sketch(text)))
    article.revision += 1
    article.updated_at = utcnow()
    article.extraction = item.extraction
    session.add(article)
    return True


def _existing(session: Session, items: Sequence[ArticleItem]) -> dict[str, Article]:
    """The stored articles among the items, by URL hash, in a few queries, not one per item."""
    hashes = list(dict.fromkeys(item.url_hash for item in items))
    found: dict[str, Article] = {}
    for start in range(0, len(hashes), _EXISTING_BATCH):
        batch = hashes[start:start + _EXISTING_BATCH]
        for article in session.exec(select(Article).where(col(Article.url_hash).in_(batch))):
            found[article.url_hash] = article
    return found


def store_result(session: Session, result: SourceResult, rules: RuleSet,
                 channels: Sequence[str], stories: StoryIndex | None = None) -> IngestStats:
    """Store a source's items and validators; match new and revised articles.

    ``stories`` is a long-lived story index (refreshed here); without one, one is
    loaded for this call. If the transaction fails, the caller must invalidate it.
    """
    stats = IngestStats()
    index: StoryIndex | None = None  # refreshed on the first new item only: it costs a query
    items = [item for item in result.items if item.title or item.body]
    existing = _existing(session, items)
    inserted: dict[str, int] = {}  # an item listed twice in one feed
    for item in items:
        text_hash = content_hash(item.title, item.body or item.summary)
        known = existing.get(item.url_hash)
        if known is None and item.url_hash in inserted:
            known = session.get(Article, inserted[item.url_hash])
        if known is None:
            if index is None:
                index = stories or StoryIndex()
                index.refresh(session)
            article = _insert(session, item, text_hash, index)
            if article is None:  # another writer stored it a moment ago
                continue
            inserted[item.url_hash] = article.id
            stats.new += 1
        else:
            if not _revise(session, known, item, text_hash):
                continue
            session.flush()
            article = _stored(known)
            if stories is not None:  # a long-lived index must see the new text
                stories.revise(article.id, known.simhash, frozenset(known.anchors.split()),
                               frozenset(known.sketch.split()))
            stats.updated += 1
        # A revision alerts only for rules that newly match (the match row is unique).
        _enqueue(session, article, rules.match(_document(article)), channels, stats)
    for url, (etag, modified) in result.validators.items():
        row = session.get(FetchValidator, url) or FetchValidator(url=url, source=result.source)
        row.etag, row.last_modified, row.updated_at = etag, modified, utcnow()
        session.add(row)
    return stats


def known_items(session: Session, source: str, limit: int = 5000) -> dict[str, str]:
    """url_hash → feed_hash of the source's recent articles (for skipping unchanged items)."""
    rows = session.exec(
        select(Article.url_hash, Article.feed_hash).where(Article.source == source)
        .order_by(col(Article.id).desc()).limit(limit)
    ).all()
    return dict(rows)


def stored_validators(session: Session, source: str) -> dict[str, tuple[str, str]]:
    rows = session.exec(select(FetchValidator).where(FetchValidator.source == source)).all()
    return {row.url: (row.etag, row.last_modified) for row in rows}

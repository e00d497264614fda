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
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from alerts.rules import Document, RuleMatch, RuleSet
from core.crosslingual import signature
from core.db import insert_ignore, insert_ignore_many
from core.hashing import normalised_words, words_fingerprints, words_hash
from core.models import (
    Alert,
    Article,
    ArticleRevision,
    FetchValidator,
    RuleMatchRow,
    fingerprinted_text,
    utcnow,
)
from core.text import words, words_are_normalised
from crawler.dates import settle_published
from crawler.items import ArticleItem, SourceResult
from scheduler.stories import StoryEntry, StoryIndex

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
    words: list[str] | None = None  # normalised_words of its fingerprinted text, if at hand


def _document(article: _Stored) -> Document:
    # The feed's summary is often the page's lead or first sentence: match it once.
    summary = article.summary if article.summary.strip() not in article.body else ""
    body = "\n\n".join(part for part in (summary, article.body) if part)
    tokens = None
    # Where the matched text is the fingerprinted one, its words are those already split
    # for the fingerprints (see core.text.words_are_normalised): not split a second time.
    if article.words is not None and body == (article.body or article.summary) \
            and words_are_normalised(fingerprinted_text(article.title, article.body, article.summary)):
        tokens = (len(words(article.title)), article.words)
    return Document(title=article.title, body=body, source=article.source,
                    language=article.language, words=tokens)


def _stored(article: Article) -> _Stored:
    assert article.id is not None and article.story_id is not None
    return _Stored(article.id, article.story_id, article.title, article.summary, article.body,
                   article.source, article.language)


# Built once: statements built per row cost more than executing them. Most new articles
# start a story of their own: those are set in one statement, not one row each.
_SET_STORY = (update(Article).where(col(Article.id) == bindparam("article"))
              .values(story_id=bindparam("story")))
_OWN_STORY = (update(Article).where(col(Article.id).in_(bindparam("ids", expanding=True)))
              .values(story_id=Article.id))
_IN_BATCH = 500  # values per "IN (...)" list
# Which of a batch's URLs are stored, asked without the ORM: most items reaching ingest
# are new (the spider skips unchanged ones), and loading none still costs an ORM query.
_KNOWN = select(col(Article.url_hash)).where(
    col(Article.url_hash).in_(bindparam("hashes", expanding=True)))


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


@dataclass
class _New:
    """A URL seen for the first time, with the fingerprints its row and story need."""

    item: ArticleItem
    text_hash: str
    words: list[str]
    fingerprint: int
    anchors: frozenset[str]
    sketch: frozenset[str]

    @classmethod
    def many(cls, fresh: Sequence[tuple[ArticleItem, str, list[str]]]) -> list[_New]:
        """(item, text hash, its words) → _New, fingerprints computed for all at once."""
        fingerprints = words_fingerprints([words for _, _, words in fresh])
        return [cls(item, text_hash, words, fingerprint.simhash,
                    signature(anchor_text(item.title, item.body or item.summary)),
                    fingerprint.sketch)
                for (item, text_hash, words), fingerprint in zip(fresh, fingerprints, strict=True)]

    def row(self, now: datetime) -> dict[str, Any]:
        item = self.item
        published, flag = settle_published(item.published, now)
        return {
            "url_hash": item.url_hash, "url": item.url, "source": item.source,
            "language": item.language, "title": item.title, "summary": item.summary,
            "body": item.body, "author": item.author[:500],
            "tags": json.dumps(item.tags, ensure_ascii=False), "published": published,
            "published_flag": flag, "first_seen": now, "updated_at": now,
            "content_hash": self.text_hash, "feed_hash": item.feed_hash,
            "simhash": self.fingerprint, "anchors": " ".join(sorted(self.anchors)),
            "sketch": " ".join(sorted(self.sketch)), "revision": 1,
            "extraction": item.extraction,
        }


def _insert(session: Session, fresh: Sequence[_New], stories: StoryIndex) -> dict[str, _Stored]:
    """Insert the new URLs in one statement, then give each its story, in feed order (an
    item may join the story of one listed before it)."""
    now = utcnow()
    rows = [new.row(now) for new in fresh]
    ids = insert_ignore_many(session, Article, rows, key="url_hash")
    stored: dict[str, _Stored] = {}
    story_ids, own_story = [], []
    for new, row in zip(fresh, rows, strict=True):
        article_id, item = ids.get(new.item.url_hash), new.item
        if article_id is None:
            continue  # another writer stored it a moment ago
        entry = StoryEntry(article_id, 0, item.language, new.text_hash, new.fingerprint,
                           new.anchors, new.sketch, now, row["published"])
        text = fingerprinted_text(item.title, item.body, item.summary)
        entry.story_id = story = stories.find(entry, text)
        stories.add(entry)
        if story == article_id:
            own_story.append(article_id)
        else:
            story_ids.append({"article": article_id, "story": story})
        stored[item.url_hash] = _Stored(article_id, story, item.title, item.summary, item.body,
                                        item.source, item.language, new.words)
    if story_ids:
        session.connection().execute(_SET_STORY, story_ids)
    for start in range(0, len(own_story), _IN_BATCH):
        session.connection().execute(_OWN_STORY, {"ids": own_story[start:start + _IN_BATCH]})
    return stored


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
    words = normalised_words(fingerprinted_text(article.title, article.body, article.summary))
    fingerprint = words_fingerprints([words])[0]
    article.simhash = fingerprint.simhash
    article.anchors = " ".join(sorted(signature(anchor_text(article.title,
                                                             article.body or article.summary))))
    article.sketch = " ".join(sorted(fingerprint.sketch))
    article.revision += 1
    article.updated_at = utcnow()
    article.extraction = item.extraction
    session.add(article)
    return True


def _existing(session: Session, items: Sequence[ArticleItem]) -> dict[str, Article]:
    """The stored articles among the items, by URL hash, in a few queries, not one per item."""
    hashes = list(dict.fromkeys(item.url_hash for item in items))
    connection = session.connection()
    known = [url_hash for start in range(0, len(hashes), _IN_BATCH)
             for url_hash in connection.execute(
                 _KNOWN, {"hashes": hashes[start:start + _IN_BATCH]}).scalars()]
    found: dict[str, Article] = {}
    for start in range(0, len(known), _IN_BATCH):
        batch = known[start:start + _IN_BATCH]
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
    items = [item for item in result.items if item.title or item.body]
    existing = _existing(session, items)
    fresh: dict[str, tuple[ArticleItem, str, list[str]]] = {}
    repeats: list[tuple[ArticleItem, str]] = []  # known URLs, and URLs listed twice
    for item in items:
        words = normalised_words(fingerprinted_text(item.title, item.body, item.summary))
        text_hash = words_hash(words)
        if item.url_hash in existing or item.url_hash in fresh:
            repeats.append((item, text_hash))
        else:
            fresh[item.url_hash] = (item, text_hash, words)
    inserted: dict[str, _Stored] = {}
    if fresh:
        index = stories or StoryIndex()
        index.refresh(session)  # only now: it costs a query
        inserted = _insert(session, _New.many(list(fresh.values())), index)
        for article in inserted.values():
            stats.new += 1
            _enqueue(session, article, rules.match(_document(article)), channels, stats)
    for item, text_hash in repeats:
        known = existing.get(item.url_hash)
        if known is None:
            if item.url_hash not in inserted:
                continue  # its first listing was stored by another writer a moment ago
            known = session.get(Article, inserted[item.url_hash].id)
            assert known is not None  # inserted in this very transaction
        if not _revise(session, known, item, text_hash):
            continue
        session.flush()
        article = _stored(known)
        if stories is not None:  # a long-lived index must see the new text
            stories.revise(article.id, known.content_hash, known.simhash,
                           frozenset(known.anchors.split()), frozenset(known.sketch.split()))
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

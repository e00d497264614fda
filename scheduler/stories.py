"""Story clusters: which stored story a new article belongs to.

1. the same text (content hash) first seen in the last week: that article's story;
2. a near-duplicate (republished, lightly edited, syndicated) first seen in the
   last week: candidates share a word of their bottom-k sketches (an inverted
   index, skipping words common to many sketches, so cost does not grow with the
   square of the window), pass a SimHash distance filter, and are confirmed by
   word overlap, so two stories on one topic are not merged;
3. the same report in another language published within 24 hours of it: shared numbers,
   dates and transliterated names (core.crosslingual), found through an inverted
   index over those anchors so the cost does not grow with the square of the window.

The index lives as long as the process (the cycle keeps one): each transaction
first loads only the articles stored since (by any writer), and the whole index is
reloaded when its oldest entries leave the window or a transaction that added to
it rolls back (SQLite may then hand out the same ids again).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core.crosslingual import compare
from core.hashing import NEAR_DUPLICATE_DISTANCE, NEAR_DUPLICATE_OVERLAP, word_overlap
from core.models import FINGERPRINTED_TEXT, Article, utcnow

log = logging.getLogger(__name__)

CLUSTER_WINDOW = timedelta(days=7)
# Translations of one report come within hours; the same names a day or more apart are
# another event (an announcement, then its readout), whose alert must not be swallowed.
TRANSLATION_WINDOW = timedelta(hours=24)
# An anchor carried by more recent articles than this (a dateline's day, "Moscow")
# finds no translation on its own.
COMMON_ANCHOR = 50
# A sketch word carried by more recent articles than this finds no near-duplicates on its
# own (see StoryIndex.near_candidates).
COMMON_SKETCH_WORD = 200


@dataclass(eq=False, slots=True)  # by identity: one entry per article, kept in sets
class StoryEntry:
    """What the index keeps of an article: its fingerprints and times."""

    article_id: int
    story_id: int  # 0 until the index has found it one
    language: str
    content_hash: str
    simhash: int
    anchors: frozenset[str]
    sketch: frozenset[str]
    first_seen: datetime
    # When the source says it was published: translations of one report come within hours
    # of each other, whenever they were first seen (a first crawl sees a week at once).
    published: datetime


# A text this short (a headline whose page could not be had; mfa.gov.ge titles every
# statement alike) says too little to be anyone's twin or near-duplicate.
MIN_STORY_WORDS = 25
# The texts of a new article's closest candidates, in one query.
_TEXTS = (sa_select(Article.id, FINGERPRINTED_TEXT)  # type: ignore[call-overload]
          .where(col(Article.id).in_(bindparam("ids", expanding=True))))
# The window's articles stored after a given id (built once: refresh runs per source).
_RECENT = (sa_select(Article.id, Article.story_id, Article.language,  # type: ignore[call-overload]
                     Article.content_hash, Article.simhash, Article.anchors, Article.sketch,
                     Article.first_seen, Article.published)
           .where(col(Article.first_seen) >= bindparam("since"),
                  col(Article.id) > bindparam("after"))
           .order_by(col(Article.id)))
_MASK64 = (1 << 64) - 1  # SimHashes are stored signed
RELOAD_AFTER = timedelta(hours=1)  # entries past the window are dropped this often


class StoryIndex:
    def __init__(self) -> None:
        self.entries: dict[int, StoryEntry] = {}
        self.by_anchor: dict[str, list[StoryEntry]] = defaultdict(list)
        self.by_word: dict[str, list[StoryEntry]] = defaultdict(list)
        self.by_hash: dict[str, list[StoryEntry]] = defaultdict(list)
        self.loaded_at = self.now = utcnow()
        self.last_id = 0
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("StoryIndex.refresh(session) must come first")
        return self._session

    def refresh(self, session: Session) -> None:
        """Bind to this transaction and load the articles stored since the last call."""
        self._session = session
        self.now = utcnow()
        if self.now - self.loaded_at > RELOAD_AFTER:
            self.invalidate()
        rows = session.connection().execute(
            _RECENT, {"since": self.now - CLUSTER_WINDOW, "after": self.last_id}).all()
        for article_id, story_id, language, text_hash, fingerprint, anchors, words, first_seen, \
                published in rows:
            if article_id is not None:
                self.add(StoryEntry(article_id, story_id or article_id, language, text_hash,
                                    fingerprint, frozenset(anchors.split()),
                                    frozenset(words.split()), first_seen, published or first_seen))

    def invalidate(self) -> None:
        """Forget everything: the next refresh loads the window afresh."""
        self.entries.clear()
        self.by_anchor.clear()
        self.by_word.clear()
        self.by_hash.clear()
        self.last_id = 0
        self.loaded_at = utcnow()

    def add(self, entry: StoryEntry) -> None:
        """Index an article whose story is known (``entry.story_id`` set)."""
        self.entries[entry.article_id] = entry
        self.last_id = max(self.last_id, entry.article_id)
        self._post(entry)

    def _post(self, entry: StoryEntry) -> None:
        self.by_hash[entry.content_hash].append(entry)
        for anchor in entry.anchors:
            self.by_anchor[anchor].append(entry)
        for word in entry.sketch:
            self.by_word[word].append(entry)

    def revise(self, article_id: int, text_hash: str, fingerprint: int, anchors: frozenset[str],
               words: frozenset[str]) -> None:
        """A stored article's text changed: later articles are compared with the new one."""
        entry = self.entries.get(article_id)
        if entry is None:
            return  # outside the window, or loaded by a later refresh
        self.by_hash[entry.content_hash].remove(entry)
        for anchor in entry.anchors:
            self.by_anchor[anchor].remove(entry)
        for word in entry.sketch:
            self.by_word[word].remove(entry)
        entry.content_hash, entry.simhash = text_hash, fingerprint
        entry.anchors, entry.sketch = anchors, words
        self._post(entry)

    def find(self, entry: StoryEntry, text: str) -> int:
        """The story for a just-inserted article (its own id when it starts one)."""
        if len(text.split(None, MIN_STORY_WORDS)) < MIN_STORY_WORDS:  # not all of a long text
            return self._translation(entry) or entry.article_id
        return (self._twin(entry.article_id, entry.content_hash)
                or self._near_duplicate(entry.article_id, entry.simhash, entry.sketch, text)
                or self._translation(entry)
                or entry.article_id)

    def _twin(self, article_id: int, text_hash: str) -> int | None:
        """The story of the first article in the window with this very text."""
        since = self.now - CLUSTER_WINDOW
        twins = [e for e in self.by_hash.get(text_hash, ())
                 if e.article_id != article_id and e.first_seen >= since]
        return min(twins, key=lambda e: e.article_id).story_id if twins else None

    def _near_duplicate(self, article_id: int, fingerprint: int, words: frozenset[str],
                        text: str) -> int | None:
        if not fingerprint:
            return None
        candidates = self.near_candidates(words)
        # hamming() written out: this runs for every candidate of every new article.
        close = sorted((distance, e.article_id, e.story_id) for e in candidates
                       if e.simhash and e.article_id != article_id
                       and (distance := ((fingerprint ^ e.simhash) & _MASK64).bit_count())
                       <= NEAR_DUPLICATE_DISTANCE)[:5]
        if not close:
            return None
        rows = self.session.connection().execute(
            _TEXTS, {"ids": [other_id for _, other_id, _ in close]})
        texts: dict[int, str] = {row[0]: row[1] for row in rows}
        for _, other_id, story_id in close:  # closest first
            other = texts.get(other_id)
            if other is not None and word_overlap(text, other) >= NEAR_DUPLICATE_OVERLAP:
                return story_id
        return None

    def near_candidates(self, words: frozenset[str]) -> set[StoryEntry]:
        """The articles sharing a sketch word with ``words``. A word in more recent sketches
        than COMMON_SKETCH_WORD ("for", "для": a common word whose digest happens to be
        small) is skipped, or every new article would be compared with a good share of the
        window; a near-duplicate shares its rarer sketch words too. If every word is that
        common, the least common one still counts."""
        by_word = self.by_word
        postings = [by_word[word] for word in words if word in by_word]
        kept = [posting for posting in postings if len(posting) <= COMMON_SKETCH_WORD]
        if not kept and postings:
            kept = [min(postings, key=len)]
        return set(chain.from_iterable(kept))

    def _translation(self, new: StoryEntry) -> int | None:
        article_id, anchors, language = new.article_id, new.anchors, new.language
        shared: Counter[int] = Counter()
        candidates: dict[int, StoryEntry] = {}
        for anchor in anchors:
            posting = self.by_anchor.get(anchor, [])
            if len(posting) > COMMON_ANCHOR:
                continue
            for entry in posting:
                if entry.language != language and entry.article_id != article_id \
                        and abs(entry.published - new.published) <= TRANSLATION_WINDOW:
                    shared[entry.article_id] += 1
                    candidates[entry.article_id] = entry
        best: tuple[float, StoryEntry] | None = None
        for other_id, _count in shared.most_common(10):
            entry = candidates[other_id]
            agreement = compare(anchors, entry.anchors)
            if agreement.same_story and (best is None or agreement.overlap > best[0]):
                best = (agreement.overlap, entry)
        if best is None:
            return None
        log.info("article %d joins story %d: the same report in %s (shared: %s)", article_id,
                 best[1].story_id, best[1].language, " ".join(sorted(compare(anchors,
                                                                             best[1].anchors).shared)))
        return best[1].story_id

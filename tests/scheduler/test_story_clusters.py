"""Story clusters measured on the bundled snapshot's stories: syndicated copies and the
English, Russian and Georgian versions of one report should share a story; different
reports should not. Pairwise precision and recall are printed."""

from __future__ import annotations

import itertools
import sys
from datetime import datetime

from sqlmodel import Session, select

from alerts.rules import RuleSet
from core.db import make_engine, session_scope
from core.models import Article
from core.urls import url_hash
from crawler.items import ArticleItem, SourceResult
from crawler.spider import feed_fingerprint
from scheduler.ingest import store_result
from tests.conftest import FIXTURES

sys.path.insert(0, str(FIXTURES))
from snapshot_data import SOURCES

SAME_STORY = [
    {"1062001", "26110501", "312345601"},  # Galuzin to TASS, in English, Russian, and Sputnik's copy
    {"743801", "743802", "743803"},  # Civil.ge en/ru/ka: Abashidze on Prague
    {"743822", "743823", "743824"},  # opposition rally
    {"743850", "743851", "743852"},  # MFA rejects Zakharova
    {"743877", "743878"},  # budget
    {"743890", "743879"},  # marathon
    {"2052001", "2052002"},  # mid.ru: Galuzin comment
    {"2052040", "2052041"},  # Lavrov and Egypt
    {"2052077", "2052078"},  # Moldova
]
# Reports of the same event by different outlets: joining them is defensible either way.
EITHER = [{"1062044", "743801", "743802", "743803"},
          {"12045-statement-of-the-ministry-of-foreign-affairs-of-georgia",
           "743850", "743851", "743852"}]


def test_clusters_on_the_snapshot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'stories.db'}")
    rules = RuleSet.compile([], {})
    stories = sorted(((name, s) for name, items in SOURCES.items() for s in items),
                     key=lambda pair: datetime.fromisoformat(pair[1].published))
    for name, story in stories:
        url = f"https://example.test/{name}/{story.id}"
        body = "\n\n".join(story.paragraphs)
        language = name.rsplit("_", 1)[1] if name.endswith(("_ru", "_ka")) else "en"
        item = ArticleItem(source=name, url=url, url_hash=url_hash(url), title=story.title,
                           summary=story.lead, body=body, language=language,
                           feed_hash=feed_fingerprint(story.title, story.lead, body))
        with session_scope(engine) as session:
            store_result(session, SourceResult(name, outcome="ok", items=[item]), rules, [])
    with Session(engine) as session:
        story_of = {a.url.rsplit("/", 1)[1]: a.story_id for a in session.exec(select(Article))}
    pairs = {frozenset(p) for p in itertools.combinations(story_of, 2)
             if story_of[p[0]] == story_of[p[1]]}
    expected = {frozenset(p) for group in SAME_STORY for p in itertools.combinations(group, 2)}
    allowed = {frozenset(p) for group in EITHER for p in itertools.combinations(group, 2)}
    found = pairs & expected
    wrong = pairs - expected - allowed
    judged = pairs - (allowed - expected)  # pairs whose right answer is known
    precision = len(found) / max(1, len(judged))
    recall = len(found) / len(expected)
    print(f"\nstory pairs on the snapshot: precision {precision:.2f}, recall {recall:.2f}; "
          f"missed {sorted(map(sorted, expected - pairs))}; wrong {sorted(map(sorted, wrong))}")
    assert not wrong
    # Misses are name-poor pairs (a budget, a marathon, a three-line statement): the
    # signal needs shared names, and wrong merges would cost an alert.
    assert recall >= 0.8

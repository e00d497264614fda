"""Pairs of articles in one language, written by others: the same event reported by two
outlets (a TASS report and Sputnik's rewrite, a ministry's statement and the news of it),
and two different events that share officials, day and background (two answers of one
briefing, an announcement and the next day's readout). tests/fixtures/stories/rewrites.jsonl.

A wrong merge swallows the second event's alert; a missed one alerts twice. Different
events must never merge. How many rewrites merge is printed: with word overlap as the
only same-language evidence, none do (their words overlap 22-53 %, different events'
12-46 %, and their shared names and dates are alike), a known limit."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, select

from alerts.rules import RuleSet
from core.db import make_engine, session_scope
from core.models import Article
from core.urls import url_hash
from crawler.items import ArticleItem, SourceResult
from crawler.spider import feed_fingerprint
from scheduler.ingest import store_result
from scheduler.stories import StoryIndex
from tests.conftest import FIXTURES

PAIRS = [json.loads(line) for line in
         (FIXTURES / "stories" / "rewrites.jsonl").read_text("utf-8").splitlines() if line.strip()]


def test_different_events_never_share_a_story(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'rewrites.db'}")
    rules, stories = RuleSet.compile([], {}), StoryIndex()
    articles = sorted(((pair, side) for pair in PAIRS for side in ("a", "b")),
                      key=lambda ps: datetime.fromisoformat(ps[0][ps[1]]["published"]))
    for pair, side in articles:
        text = pair[side]
        url = f"https://example.test/{pair['id']}/{side}"
        item = ArticleItem(source=text["source"], url=url, url_hash=url_hash(url),
                           title=text["title"], body=text["body"], language=pair["language"],
                           published=datetime.fromisoformat(text["published"]),
                           feed_hash=feed_fingerprint(text["title"], "", text["body"]))
        with session_scope(engine) as session:
            store_result(session, SourceResult(text["source"], outcome="ok", items=[item]),
                         rules, [], stories)
    with Session(engine) as session:
        story = {a.url.removeprefix("https://example.test/"): a.story_id
                 for a in session.exec(select(Article))}
    merged = {pair["id"] for pair in PAIRS if story[f"{pair['id']}/a"] == story[f"{pair['id']}/b"]}
    same = {pair["id"] for pair in PAIRS if pair["kind"] == "same"}
    print(f"\nrewrites joined: {len(merged & same)} of {len(same)}; "
          f"different events joined: {sorted(merged - same)}")
    assert len(PAIRS) == 48 and len(same) == 24
    assert not merged - same

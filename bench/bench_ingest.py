"""Ingest throughput: feed items per second through parse, normalise, hash, dedupe,
match against the default rules and store (SQLite), over 5,000 items in 50 feeds,
next to feedparser alone on the same bytes (the floor).

Target: the whole pipeline at no less than 0.6 of feedparser's own rate.

Each run is a fresh process (cold caches, as after a start), timing feedparser and the
pipeline back to back, so that both see the same state of a machine whose speed drifts;
the table gives the median and range over the runs, and the median of their ratios.
Usage: python bench/bench_ingest.py [--feeds 50] [--items 100] [--runs 5]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.rules import RuleSet  # noqa: E402
from core.config import load_settings  # noqa: E402
from core.db import make_engine, session_scope  # noqa: E402
from core.urls import canonical_url, url_hash  # noqa: E402
from crawler.feeds import parse_feed  # noqa: E402
from crawler.items import ArticleItem, SourceResult  # noqa: E402
from crawler.spider import feed_fingerprint  # noqa: E402
from scheduler.ingest import store_result  # noqa: E402
from scheduler.stories import StoryIndex  # noqa: E402

WORDS_EN = ("minister said talks relations Georgia Russia Tbilisi Moscow visa flights economy "
            "parliament election government opposition trade security border sanctions meeting "
            "statement ministry foreign president week country energy market").split()
WORDS_RU = ("министр заявил переговоры отношения Грузия Россия Тбилиси Москва визы рейсы экономика "
            "парламент выборы правительство оппозиция торговля безопасность граница санкции встреча "
            "заявление министерство президент неделя страна энергетика рынок").split()


def make_feed(index: int, items: int, rng: random.Random, vocabulary: list[str]) -> bytes:
    # Common news words plus a large made-up vocabulary: distinct stories, as in real
    # feeds (a tiny vocabulary would make every item a near-duplicate of every other).
    words = (WORDS_RU if index % 2 else WORDS_EN) * 10 + vocabulary
    start = datetime(2026, 11, 20, tzinfo=UTC)
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
             f"<title>Feed {index}</title><link>https://news{index}.example.ge/</link>"]
    for n in range(items):
        title = " ".join(rng.choice(words) for _ in range(8)).capitalize()
        text = " ".join(rng.choice(words) for _ in range(60))
        link = f"https://news{index}.example.ge/articles/{index * 10_000 + n}"
        published = format_datetime(start - timedelta(minutes=n * 7 + index))
        parts.append(f"<item><title>{escape(title)}</title><link><![CDATA[{link}]]></link>"
                     f"<guid>{link}</guid><pubDate>{published}</pubDate>"
                     f"<description>{escape(text)}</description></item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def feedparser_only(feeds: list[bytes]) -> float:
    started = time.perf_counter()
    for body in feeds:
        feedparser.parse(io.BytesIO(body))
    return time.perf_counter() - started


def pipeline(feeds: list[bytes], rules: RuleSet, database: str) -> tuple[float, int]:
    engine = make_engine(database)
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    stories = StoryIndex()  # one per process, as the cycle keeps it
    started = time.perf_counter()
    stored = 0
    for index, body in enumerate(feeds):
        parsed = parse_feed(body, headers, f"https://news{index}.example.ge/rss")
        result = SourceResult(source=f"feed{index}", outcome="ok")
        for entry in parsed.entries:
            url = canonical_url(entry.link, force_https=True)
            result.items.append(ArticleItem(
                source=result.source, url=url, url_hash=url_hash(url), title=entry.title,
                summary=entry.summary, body=entry.content, published=entry.published,
                language="ru" if index % 2 else "en",
                feed_hash=feed_fingerprint(entry.title, entry.summary, entry.content)))
        with session_scope(engine) as session:
            stored += store_result(session, result, rules, ["console"], stories).new
    return time.perf_counter() - started, stored


def one_run(feeds_count: int, items: int) -> dict[str, float | int | str]:
    rng = random.Random(7)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 10)))
                  for _ in range(20_000)]
    feeds = [make_feed(i, items, rng, vocabulary) for i in range(feeds_count)]
    settings = load_settings(ROOT / "settings.toml", environ={})
    rules = RuleSet.compile(settings.rules, settings.aliases)
    floor = feedparser_only(feeds)
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, stored = pipeline(feeds, rules, f"sqlite:///{tmp}/bench.db")
    return {"floor": floor, "pipeline": elapsed, "stored": stored, "rules": len(rules.rules),
            "megabytes": sum(map(len, feeds)) / 1e6,
            "corpus": hashlib.sha256(b"".join(feeds)).hexdigest()[:8]}


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one", action="store_true", help="one run in this process, as JSON")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.feeds, args.items)))
        return
    runs = []
    for _ in range(args.runs):
        command = [sys.executable, __file__, "--one", "--feeds", str(args.feeds), "--items",
                   str(args.items)]
        runs.append(json.loads(subprocess.run(command, check=True, capture_output=True,
                                              text=True).stdout))
    total = args.feeds * args.items
    first = runs[0]
    floors = [run["floor"] for run in runs]
    pipelines = [run["pipeline"] for run in runs]
    ratios = [run["floor"] / run["pipeline"] for run in runs]
    print(f"ingest: {args.feeds} feeds x {args.items} items = {total} items "
          f"({first['megabytes']:.1f} MB, corpus {first['corpus']}), {first['rules']} rules, "
          f"{args.runs} runs\n")
    print(f"{'stage':<40} {'seconds: median (range)':>24} {'items/s':>8}")
    print(f"{'feedparser alone (the floor)':<40} {_spread(floors):>24} "
          f"{total / statistics.median(floors):>8.0f}")
    print(f"{'parse+normalise+hash+dedupe+match+store':<40} {_spread(pipelines):>24} "
          f"{total / statistics.median(pipelines):>8.0f}")
    print(f"\npipeline / feedparser rate: {_spread(ratios)} (target >= 0.6); "
          f"stored {first['stored']}")


if __name__ == "__main__":
    main()

"""`monitor run-once` end to end: a real Scrapy crawl of the bundled snapshot, served
by a real HTTP server, stored in a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from core.db import make_engine
from core.models import Alert, Article, FetchValidator, SourceState
from core.urls import canonical_url
from crawler.listing import read_sitemap
from crawler.snapshot_server import SnapshotServer
from tests.conftest import CASES, fast_settings
from tests.e2e.helpers import FEED_ROUTES, alerts_json, run_monitor, sources_json

pytestmark = pytest.mark.slow


def expected_urls(snapshot: Path) -> set[str]:
    """Every item link of every feed in the snapshot, canonicalised (read independently
    of the crawler: feedparser over the files, plus the mfa.gov.ge listing's links)."""
    urls: set[str] = set()
    for route in FEED_ROUTES.values():
        parsed = feedparser.parse((snapshot / route.lstrip("/")).read_bytes())
        urls |= {canonical_url(e.link, force_https=True) for e in parsed.entries if e.get("link")}
    from parsel import Selector

    listing = Selector(text=(snapshot / "mfa.gov.ge/en/news/index.html").read_text("utf-8"))
    for href in listing.css("div.news-list article.news-item a.news-item__link::attr(href)").getall():
        urls.add(canonical_url("https://mfa.gov.ge" + href, force_https=True))
    return urls


def test_first_run_stores_everything_second_run_nothing(tmp_path: Path, database_url: str,
                                                        snapshot_copy: Path) -> None:
    config = fast_settings(tmp_path)
    with SnapshotServer(snapshot_copy) as server:
        first = run_monitor(config, database_url, "run-once", "--mirror", server.url)
        assert first.returncode == 0, first.stdout + first.stderr
        engine = make_engine(database_url)
        with Session(engine) as session:
            stored = set(session.exec(select(Article.url)).all())
            assert stored == expected_urls(snapshot_copy)
            validators = session.exec(select(FetchValidator)).all()
            assert {v.source for v in validators} >= set(FEED_ROUTES)
        alerts = alerts_json(config, database_url)
        article_alerts = [a for a in alerts if a["kind"] == "article"]
        assert article_alerts, "the snapshot's Georgia–Russia items must alert"
        assert all(a["status"] == "sent" and a["channel"] == "console" for a in article_alerts)
        for alert in article_alerts:
            assert "127.0.0.1" not in alert["url"] and alert["url"].startswith("https://")
            assert alert["published"].endswith("Z") and alert["matched"]
        # the console channel printed each alert
        assert sum("ge-ru" in line for line in first.stdout.splitlines()) >= len(article_alerts)

        server.requests.clear()
        second = run_monitor(config, database_url, "run-once", "--mirror", server.url)
        assert second.returncode == 0, second.stdout + second.stderr
        feed_hits = [r for r in server.requests if r.path in FEED_ROUTES.values()]
        assert sorted(r.path for r in feed_hits) == sorted(FEED_ROUTES.values())
        # tass.com's page 1062177 is missing from the snapshot: it is asked for again, so
        # that feed comes in full; every other feed answers 304.
        retried = FEED_ROUTES["tass_en"]
        assert all(r.status == 304 and r.conditional for r in feed_hits if r.path != retried)
        assert any(r.path == retried and r.status == 200 for r in feed_hits)
        assert any("1062177" in r.path for r in server.requests)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == len(stored)
        assert session.exec(select(func.count()).select_from(Alert)).one() == len(alerts)
    assert len(alerts_json(config, database_url)) == len(alerts)


def test_added_item_gives_one_article_and_at_most_one_alert(tmp_path: Path, database_url: str,
                                                           snapshot_copy: Path) -> None:
    config = fast_settings(tmp_path)
    case = CASES / "added_item"
    shutil.copytree(case / "v1", snapshot_copy, dirs_exist_ok=True)
    with SnapshotServer(snapshot_copy) as server:
        assert run_monitor(config, database_url, "run-once", "--mirror", server.url).returncode == 0
        before_alerts = len(alerts_json(config, database_url))
        engine = make_engine(database_url)
        with Session(engine) as session:
            before = session.exec(select(func.count()).select_from(Article)).one()
        shutil.copytree(case / "v2", snapshot_copy, dirs_exist_ok=True)
        again = run_monitor(config, database_url, "run-once", "--mirror", server.url,
                            "--source", "civil_en")
        assert again.returncode == 0, again.stdout + again.stderr
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == before + 1
    assert len(alerts_json(config, database_url)) - before_alerts in (0, 1)


@pytest.mark.parametrize("case, source, state", [
    ("server_error", "sputnik_en", "failing"),
    ("html_instead_of_xml", "civil_en", "parse-error"),
    ("challenge_mid", "mid_ru", "blocked"),
    ("blocked_tass", "tass_ru", "blocked"),
])
def test_one_failing_source_does_not_stop_the_others(tmp_path: Path, database_url: str,
                                                     snapshot_copy: Path, case: str, source: str,
                                                     state: str) -> None:
    config = fast_settings(tmp_path)
    shutil.copytree(CASES / case, snapshot_copy, dirs_exist_ok=True)
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, database_url, "run-once", "--mirror", server.url)
    assert done.returncode == 1, done.stdout + done.stderr
    health = sources_json(config, database_url)
    assert health[source]["state"] == state
    assert health[source]["last_error"]
    others = [name for name in health if name != source]
    assert all(health[name]["state"] == "ok" for name in others), health
    engine = make_engine(database_url)
    with Session(engine) as session:
        sources_with_articles = set(session.exec(select(Article.source)).all())
        assert set(others) <= sources_with_articles
        row = session.get(SourceState, source)
        assert row is not None and row.consecutive_failures == 1


def test_broken_settings_exit_2_and_touch_no_data(tmp_path: Path) -> None:
    config = fast_settings(tmp_path)
    config.write_text(config.read_text("utf-8").replace('language = "ka"', 'language = "de"'),
                      "utf-8")
    db = tmp_path / "untouched.db"
    done = run_monitor(config, f"sqlite:///{db}", "run-once")
    assert done.returncode == 2
    assert "settings.toml" in done.stderr and "sources[4].language" in done.stderr
    assert not db.exists()


def test_challenge_page_raises_one_operator_alert_and_recovery_one(
        tmp_path: Path, database_url: str, snapshot_copy: Path) -> None:
    config = fast_settings(tmp_path)
    feed = snapshot_copy / "mid.ru/ru/rss.php"
    original = feed.read_bytes()

    def operator_alerts() -> list[dict[str, object]]:
        return [a for a in alerts_json(config, database_url)
                if a["kind"] == "operator" and a["source"] == "mid_ru"]

    with SnapshotServer(snapshot_copy) as server:
        def once() -> int:
            return run_monitor(config, database_url, "run-once", "--source", "mid_ru",
                               "--mirror", server.url).returncode

        assert once() == 0
        assert operator_alerts() == []
        shutil.copytree(CASES / "challenge_mid", snapshot_copy, dirs_exist_ok=True)
        assert once() == 1
        assert once() == 1  # still blocked: no second alert for the same state
        blocked = operator_alerts()
        assert len(blocked) == 1 and "blocked" in str(blocked[0]["title"])
        for sidecar in snapshot_copy.glob("mid.ru/ru/rss.php.headers"):
            sidecar.unlink()
        feed.write_bytes(original)
        assert once() == 0
    after = operator_alerts()
    assert len(after) == 2 and "recovered" in str(after[0]["title"])
    # the recovery says how long the source was blocked and what its last error was
    assert "is ok again after 0 min blocked (since " in str(after[0]["snippet"])
    assert "last error: feed" in str(after[0]["snippet"]) and "challenge" in str(after[0]["snippet"])
    assert sources_json(config, database_url)["mid_ru"]["state"] == "ok"


def test_blocked_feed_falls_back_to_the_listing(tmp_path: Path, snapshot_copy: Path) -> None:
    config = fast_settings(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'fallback.db'}"
    shutil.copytree(CASES / "challenge_feed_only", snapshot_copy, dirs_exist_ok=True)
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, db_url, "run-once", "--source", "mid_en", "--mirror", server.url)
    assert done.returncode == 0, done.stdout + done.stderr
    health = sources_json(config, db_url)["mid_en"]
    assert health["state"] == "ok"
    assert "challenge" in health["last_error"]  # degraded: the operator still sees why
    engine = make_engine(db_url)
    with Session(engine) as session:
        stored = session.exec(select(Article)).all()
    assert len(stored) == 3 and all(a.body for a in stored)
    assert {a.extraction for a in stored} == {"selectors"}


def test_a_failed_feed_falls_back_to_the_newest_sitemap_of_an_index(
        tmp_path: Path, snapshot_copy: Path) -> None:
    config = fast_settings(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'sitemap.db'}"
    feed = snapshot_copy / "sputnik-georgia.ru/export/rss2/archive/index.xml"
    links = {canonical_url(e.link, force_https=True) for e in feedparser.parse(feed.read_bytes()).entries}
    feed.unlink()  # the feed answers 404
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, db_url, "run-once", "--source", "sputnik_ge_ru",
                           "--mirror", server.url)
        paths = [r.path for r in server.requests]
    assert done.returncode == 0, done.stdout + done.stderr
    health = sources_json(config, db_url)["sputnik_ge_ru"]
    assert health["state"] == "ok" and "HTTP 404" in health["last_error"]
    # The index lists October first; November's sitemap (newer lastmod) is the one read.
    assert any("date_start=20261101" in path for path in paths)
    assert not any("date_start=20261001" in path or "20261015" in path for path in paths)
    with Session(make_engine(db_url)) as session:
        stored = session.exec(select(Article)).all()
    assert {a.url for a in stored} == links and all(a.title and a.body for a in stored)


def test_a_nested_sitemap_index_is_followed_and_only_the_newest_entries_taken(
        tmp_path: Path, snapshot_copy: Path) -> None:
    config = fast_settings(tmp_path)
    config.write_text(config.read_text("utf-8").replace(
        "min_feed_text = 400", "min_feed_text = 400\nmax_pages_per_source = 2"), "utf-8")
    db_url = f"sqlite:///{tmp_path / 'nested.db'}"
    host = snapshot_copy / "sputnik-georgia.ru"
    (host / "export/rss2/archive/index.xml").unlink()
    november = next(host.glob("sitemap_article.xml?date_start=20261101*")).name
    index = ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
             "<loc>https://sputnik-georgia.ru/{}</loc></sitemap></sitemapindex>")
    (host / "sitemap_article_index.xml").write_text(index.format("sitemap_sections.xml"), "utf-8")
    (host / "sitemap_sections.xml").write_text(index.format(november.replace("&", "&amp;")), "utf-8")
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, db_url, "run-once", "--source", "sputnik_ge_ru",
                           "--mirror", server.url)
    assert done.returncode == 0, done.stdout + done.stderr
    entries = read_sitemap((host / november).read_bytes(), "https://sputnik-georgia.ru/").items
    newest = sorted(entries, key=lambda e: e.published or datetime.min.replace(tzinfo=UTC))[-2:]
    with Session(make_engine(db_url)) as session:
        stored = {a.url for a in session.exec(select(Article)).all()}
    assert len(entries) > 2 and stored == {e.link for e in newest}


def test_a_sitemap_may_be_larger_than_the_page_size_cap(tmp_path: Path, snapshot_copy: Path) -> None:
    config = fast_settings(tmp_path)  # a 64 KiB cap; the sitemap protocol allows 50 MB
    config.write_text(config.read_text("utf-8").replace(
        "download_maxsize = 10485760", "download_maxsize = 65536"), "utf-8")
    db_url = f"sqlite:///{tmp_path / 'large.db'}"
    host = snapshot_copy / "sputnik-georgia.ru"
    (host / "export/rss2/archive/index.xml").unlink()
    november = next(host.glob("sitemap_article.xml?date_start=20261101*"))
    november.write_text(november.read_text("utf-8").replace(
        "</urlset>", f"<!-- {'x' * 200_000} --></urlset>"), "utf-8")
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, db_url, "run-once", "--source", "sputnik_ge_ru",
                           "--mirror", server.url)
    assert done.returncode == 0, done.stdout + done.stderr
    with Session(make_engine(db_url)) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() > 0


def test_items_linking_off_the_sources_domains_are_not_followed(
        tmp_path: Path, snapshot_copy: Path) -> None:
    config = fast_settings(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'offsite.db'}"
    feed = snapshot_copy / "civil.ge/feed"
    hostile = ("<item><title>Elsewhere</title><link>https://evil.example/phish</link>"
               "<description>x</description></item><item><title>Metadata</title>"
               "<link>http://169.254.169.254/latest/meta-data/</link></item></channel>")
    feed.write_text(feed.read_text("utf-8").replace("</channel>", hostile), "utf-8")
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, db_url, "run-once", "--source", "civil_en",
                           "--mirror", server.url)
        paths = [r.path for r in server.requests]
    assert done.returncode == 0, done.stdout + done.stderr
    assert not any("evil.example" in p or "169.254" in p for p in paths)
    with Session(make_engine(db_url)) as session:
        urls = session.exec(select(Article.url)).all()
    assert len(urls) == 5 and all(u.startswith("https://civil.ge/") for u in urls)


def test_guids_that_repeat_change_or_are_missing(tmp_path: Path, snapshot_copy: Path) -> None:
    """Identity is the canonical URL: a repeated GUID on two links is two articles, a
    changed GUID on a known link is the same article, a missing GUID is no problem."""
    config = fast_settings(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'guids.db'}"
    feed = snapshot_copy / "civil.ge/feed"
    items = "".join(
        f"<item><title>{title}</title><link>https://civil.ge/archives/{n}</link>{guid}"
        "<pubDate>Sun, 22 Nov 2026 10:00:00 +0400</pubDate><description>Text.</description></item>"
        for n, title, guid in [
            (900001, "First", '<guid isPermaLink="false">g-1</guid>'),
            (900002, "Second", '<guid isPermaLink="false">g-1</guid>'),
            (743801, "Abashidze again", '<guid isPermaLink="false">changed-guid</guid>'),
            (900003, "No guid", ""),
        ])
    feed.write_text(feed.read_text("utf-8").replace("</channel>", items + "</channel>"), "utf-8")
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, db_url, "run-once", "--source", "civil_en",
                           "--mirror", server.url)
    assert done.returncode == 0, done.stdout + done.stderr
    with Session(make_engine(db_url)) as session:
        urls = sorted(session.exec(select(Article.url)).all())
    assert len(urls) == 8 and len(set(urls)) == 8
    assert {f"https://civil.ge/archives/{n}" for n in (900001, 900002, 900003)} <= set(urls)


def test_a_rule_whose_channels_are_all_disabled_is_said_to_alert_nowhere(
        tmp_path: Path, snapshot_copy: Path) -> None:
    config = fast_settings(tmp_path)
    text = config.read_text("utf-8")
    assert 'channels = ["console", "slack", "email"]' in text
    config.write_text(text.replace('channels = ["console", "slack", "email"]', 'channels = ["slack"]'))
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, f"sqlite:///{tmp_path / 'nowhere.db'}", "run-once",
                           "--source", "mfa_ge_en", "--mirror", server.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rule ge-ru-normalisation alerts nowhere: every channel it names is disabled (slack)" \
        in done.stderr

"""Faults at the source, through the real command: a source that hangs, a feed in
windows-1251 with and without a declared charset."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from core.db import make_engine
from core.models import Article
from crawler.snapshot_server import SnapshotServer
from tests.conftest import CASES, fast_settings
from tests.e2e.helpers import ForwardingHandler, proxy_in_front, run_monitor, sources_json

pytestmark = pytest.mark.slow


class _Slow(ForwardingHandler):
    """One host never answers within the test settings' 3 s download timeout."""

    def misbehave(self) -> bool:
        if self.path.startswith("/sputnikglobe.com/"):
            time.sleep(8)
            return True
        return False


@pytest.fixture
def slow_mirror(snapshot_copy: Path) -> Iterator[str]:
    with proxy_in_front(snapshot_copy, _Slow) as url:
        yield url


def test_a_source_that_times_out_is_isolated(tmp_path: Path, slow_mirror: str,
                                             database_url: str) -> None:
    config = fast_settings(tmp_path)
    db_url = database_url
    done = run_monitor(config, db_url, "run-once", "--mirror", slow_mirror)
    assert done.returncode == 1, done.stdout + done.stderr
    health = sources_json(config, db_url)
    assert health["sputnik_en"]["state"] == "failing"
    assert "timed out after 3s" in health["sputnik_en"]["last_error"]
    assert "127.0.0.1" not in health["sputnik_en"]["last_error"]  # no mirror internals
    assert health["tass_ru"]["state"] == "ok" and health["civil_ka"]["state"] == "ok"


@pytest.mark.parametrize("case", ["cp1251_declared", "cp1251_undeclared"])
def test_windows_1251_feed_decodes(tmp_path: Path, snapshot_copy: Path, case: str,
                                   database_url: str) -> None:
    shutil.copytree(CASES / case, snapshot_copy, dirs_exist_ok=True)
    config = fast_settings(tmp_path)
    db_url = database_url
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, db_url, "run-once", "--source", "sputnik_ge_ru",
                           "--mirror", server.url)
    assert done.returncode == 0, done.stdout + done.stderr
    with Session(make_engine(db_url)) as session:
        titles = session.exec(select(Article.title).where(Article.source == "sputnik_ge_ru")).all()
    assert titles
    assert all(any("а" <= ch <= "я" for ch in t.lower()) for t in titles), titles
    assert not any("Ð" in t or "Ñ" in t or "\ufffd" in t for t in titles), titles


CHALLENGE_PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
                  "<title>Data processing... Please, wait.</title></head><body>"
                  "<p>Подождите, идет проверка вашего браузера.</p></body></html>")


def test_an_article_page_answering_a_challenge_keeps_the_feed_text_and_is_asked_again(
        tmp_path: Path, snapshot_copy: Path, database_url: str) -> None:
    config = fast_settings(tmp_path)
    page = snapshot_copy / "mid.ru/ru/foreign_policy/news/2052002/index.html"
    real_page = page.read_text("utf-8")
    page.write_text(CHALLENGE_PAGE, "utf-8")  # served with HTTP 200, as mid.ru does

    def stored() -> tuple[str, str, str]:
        with Session(make_engine(database_url)) as session:
            article = session.exec(select(Article).where(col(Article.url).contains("2052002"))).one()
            return article.title, article.body, article.extraction

    with SnapshotServer(snapshot_copy) as server:
        output = ""

        def once() -> list[str]:
            nonlocal output
            server.requests.clear()
            done = run_monitor(config, database_url, "run-once", "--source", "mid_ru",
                               "--mirror", server.url)
            assert done.returncode == 0, done.stdout + done.stderr
            output = done.stdout + done.stderr
            return [r.path for r in server.requests if "2052002" in r.path]

        assert once()  # the page was asked for, and was a challenge
        assert "anti-bot challenge page" in output and "asked again next cycle" in output
        title, body, extraction = stored()
        assert "Галузин" in title and "Please, wait" not in title + body
        assert extraction == "feed"  # the feed's own text stands meanwhile

        page.write_text(real_page, "utf-8")
        assert once()  # asked again next cycle, though the feed item did not change
        title, body, extraction = stored()
        assert extraction == "selectors" and "Женевских международных дискуссий" in body

        assert once() == []  # now stored whole: not asked again


def test_a_page_that_keeps_failing_is_asked_for_page_retries_more_times_then_left(
        tmp_path: Path, snapshot_copy: Path, database_url: str) -> None:
    config = fast_settings(tmp_path)
    config.write_text(config.read_text("utf-8").replace("autothrottle = false",
                                                         "autothrottle = false\npage_retries = 1"))
    (snapshot_copy / "mid.ru/ru/foreign_policy/news/2052002/index.html").write_text(
        CHALLENGE_PAGE, "utf-8")
    asked = []
    with SnapshotServer(snapshot_copy) as server:
        for _ in range(4):
            server.requests.clear()
            done = run_monitor(config, database_url, "run-once", "--source", "mid_ru",
                               "--mirror", server.url)
            assert done.returncode == 0, done.stdout + done.stderr
            asked.append(sum("2052002" in r.path for r in server.requests))
        feed = [r for r in server.requests if r.path.endswith("rss.php")]
    assert asked == [1, 1, 0, 0]  # the first try, one retry, then the feed text stands
    assert feed and all(r.status == 304 for r in feed)  # conditional GETs again
    with Session(make_engine(database_url)) as session:
        article = session.exec(select(Article).where(col(Article.url).contains("2052002"))).one()
    assert article.extraction == "feed" and "Please, wait" not in article.body


def test_a_challenge_on_the_fallback_listing_is_blocked_not_stale_selectors(
        tmp_path: Path, snapshot_copy: Path, database_url: str) -> None:
    config = fast_settings(tmp_path)
    (snapshot_copy / "mid.ru/ru/rss.php").unlink()  # the feed answers 404
    (snapshot_copy / "mid.ru/ru/foreign_policy/news/index.html").write_text(CHALLENGE_PAGE, "utf-8")
    with SnapshotServer(snapshot_copy) as server:
        done = run_monitor(config, database_url, "run-once", "--source", "mid_ru",
                           "--mirror", server.url)
    assert done.returncode == 1, done.stdout + done.stderr
    health = sources_json(config, database_url)["mid_ru"]
    assert health["state"] == "blocked", health
    assert "anti-bot challenge page where a listing was expected" in health["last_error"]

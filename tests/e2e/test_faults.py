"""Faults at the source, through the real command: a source that hangs, a feed in
windows-1251 with and without a declared charset."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

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

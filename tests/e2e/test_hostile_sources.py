"""Hostile and broken sources, all at once, through the real command: a gzip bomb, a
redirect loop, a server trickling bytes, a reset connection, a 429 and an empty 200.
Each is isolated and named; every other source is stored in full."""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.db import make_engine
from core.models import Article
from tests.conftest import fast_settings
from tests.e2e.helpers import ForwardingHandler, proxy_in_front, run_monitor, sources_json

pytestmark = pytest.mark.slow

BOMB = gzip.compress(b"\0" * (8 * 1024 * 1024), compresslevel=9)  # 8 MiB inflated


class Hostile(ForwardingHandler):
    def misbehave(self) -> bool:
        path = self.path
        # Sputnik's feed and its sitemap fallback alike.
        if path.startswith(("/sputnikglobe.com/export", "/sputnikglobe.com/sitemap")):
            self.reply(200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
                       BOMB)
        elif path.startswith("/tass.com/rss"):
            self.reply(302, {"Location": "https://tass.com/rss/v2.xml?loop"})
        elif path.startswith("/civil.ge/ru/feed"):
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(8):  # one byte a second: past the 3 s deadline
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(1)
        elif path.startswith("/mid.ru/en/rss.php"):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()  # a reset, no response at all
            self.close_connection = True
        elif path.startswith(("/sputnik-georgia.ru/export", "/sputnik-georgia.ru/sitemap")):
            self.reply(429, {"Retry-After": "3600", "Content-Type": "text/plain"}, b"slow down")
        elif path.startswith("/civil.ge/ka/feed"):
            self.reply(200, {"Content-Type": "application/rss+xml"})
        else:
            return False
        return True


@pytest.fixture
def hostile_mirror(snapshot_copy: Path) -> Iterator[str]:
    with proxy_in_front(snapshot_copy, Hostile) as url:
        yield url


def test_hostile_sources_are_isolated_and_named(tmp_path: Path, hostile_mirror: str) -> None:
    config = fast_settings(tmp_path)
    config.write_text(config.read_text("utf-8").replace(
        "download_maxsize = 10485760", "download_maxsize = 1048576"), "utf-8")
    db_url = f"sqlite:///{tmp_path / 'hostile.db'}"
    done = run_monitor(config, db_url, "run-once", "--mirror", hostile_mirror)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr  # each failure is one named line
    health = sources_json(config, db_url)
    expected = {
        "sputnik_en": ("failing", ("over the size cap",)),
        "tass_en": ("failing", ("redirect",)),
        "civil_ru": ("failing", ("timed out",)),
        "mid_en": ("ok", ("connection reset",)),  # the listing fallback still works
        "sputnik_ge_ru": ("blocked", ("429",)),
        "civil_ka": ("parse-error", ("empty response body",)),
    }
    for name, (state, words) in expected.items():
        row = health[name]
        assert row["state"] == state, (name, row)
        assert any(w.lower() in (row["last_error"] or "").lower() for w in words), (name, row)
    for name in ("tass_ru", "civil_en", "mid_ru", "mfa_ge_en"):
        assert health[name]["state"] == "ok", (name, health[name])
    with Session(make_engine(db_url)) as session:
        sources = {a.source for a in session.exec(select(Article)).all()}
    assert {"tass_ru", "civil_en", "mid_ru", "mfa_ge_en", "mid_en"} <= sources
    assert not sources & {"sputnik_en", "tass_en", "civil_ru", "sputnik_ge_ru", "civil_ka"}

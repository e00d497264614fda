from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from core.errors import MirrorError
from crawler.mirror import mirror_url, unmirror_url
from crawler.snapshot_server import SnapshotServer


def test_mirror_url_keeps_host_path_and_query() -> None:
    base = "http://127.0.0.1:9000/"
    assert mirror_url("https://tass.ru/rss/v2.xml?sections=MjU%3D", base) == \
        "http://127.0.0.1:9000/tass.ru/rss/v2.xml?sections=MjU%3D"
    assert mirror_url("https://civil.ge", base) == "http://127.0.0.1:9000/civil.ge/"
    assert unmirror_url("http://127.0.0.1:9000/civil.ge/feed/", base) == "https://civil.ge/feed/"
    assert unmirror_url("https://elsewhere.ge/x", base) == "https://elsewhere.ge/x"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "mid.ru/ru/foreign_policy/news/1").mkdir(parents=True)
    (tmp_path / "mid.ru/ru/foreign_policy/news/1/index.html").write_text("<p>ru</p>")
    (tmp_path / "mid.ru/ru/foreign_policy/news/1/index.html?lang=en").write_text("<p>en</p>")
    (tmp_path / "civil.ge").mkdir()
    (tmp_path / "civil.ge/feed").write_text("<rss/>")
    (tmp_path / "civil.ge/feed.headers").write_text(
        "HTTP/1.1 403 Forbidden\nContent-Type: text/html\nServer: StormWall\n")
    (tmp_path / "secret.txt").write_text("outside")
    return tmp_path


def test_snapshot_layout_headers_and_conditional_get(site: Path) -> None:
    with SnapshotServer(site / "mid.ru" / "..") as server, httpx.Client(base_url=server.url) as c:
        ru = c.get("/mid.ru/ru/foreign_policy/news/1/")
        assert ru.status_code == 200 and ru.text == "<p>ru</p>"
        assert c.get("/mid.ru/ru/foreign_policy/news/1/?lang=en").text == "<p>en</p>"
        blocked = c.get("/civil.ge/feed")
        assert blocked.status_code == 403 and blocked.headers["server"] == "StormWall"
        etag = ru.headers["etag"]
        again = c.get("/mid.ru/ru/foreign_policy/news/1/", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        since = c.get("/mid.ru/ru/foreign_policy/news/1/",
                      headers={"If-Modified-Since": ru.headers["last-modified"]})
        assert since.status_code == 304
        assert c.get("/nowhere.ge/x").status_code == 404
        assert c.get("/mid.ru/../../etc/passwd").status_code == 404
        statuses = [(r.path, r.status, r.conditional) for r in server.requests]
    assert ("/mid.ru/ru/foreign_policy/news/1/", 304, True) in statuses


def test_missing_snapshot_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MirrorError, match="does not exist"):
        SnapshotServer(tmp_path / "nope")

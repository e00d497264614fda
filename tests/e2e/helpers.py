"""Run the real `monitor` command against a real snapshot server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from crawler.snapshot_server import SnapshotServer
from tests.conftest import ROOT

FEED_ROUTES = {
    "tass_en": "/tass.com/rss/v2.xml",
    "tass_ru": "/tass.ru/rss/v2.xml",
    "sputnik_en": "/sputnikglobe.com/export/rss2/archive/index.xml",
    "sputnik_ge_ru": "/sputnik-georgia.ru/export/rss2/archive/index.xml",
    "sputnik_ge_ka": "/sputnik-georgia.com/export/rss2/archive/index.xml",
    "civil_en": "/civil.ge/feed",
    "civil_ru": "/civil.ge/ru/feed",
    "civil_ka": "/civil.ge/ka/feed",
    "mid_en": "/mid.ru/en/rss.php",
    "mid_ru": "/mid.ru/ru/rss.php",
}


def run_monitor(config: Path, db_url: str, *args: str, timeout: float = 180,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "SLACK_",
                                                                         "SMTP_", "WEBHOOK_"))}
    environ.update({"MONITOR_DB_URL": db_url, "PYTHONPATH": str(ROOT)})
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), *args],
        capture_output=True, text=True, timeout=timeout, env=environ, cwd=config.parent,
    )


def alerts_json(config: Path, db_url: str) -> list[dict[str, Any]]:
    done = run_monitor(config, db_url, "alerts", "--json", "--limit", "1000")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def sources_json(config: Path, db_url: str) -> dict[str, dict[str, Any]]:
    done = run_monitor(config, db_url, "sources", "--json")
    assert done.returncode == 0, done.stderr
    return {row["name"]: row for row in json.loads(done.stdout)}


class ForwardingHandler(BaseHTTPRequestHandler):
    """Forwards each GET to the snapshot server, unless ``misbehave`` answers it first:
    subclasses make chosen hosts hang, reset, loop or lie."""

    upstream = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def misbehave(self) -> bool:
        return False

    def reply(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.misbehave():
            return
        answer = httpx.get(self.upstream + self.path, timeout=10, headers={
            k: v for k, v in self.headers.items() if k.lower() != "host"})
        self.reply(answer.status_code, {
            k: v for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding", "content-encoding",
                                 "connection")}, answer.content)


@contextmanager
def proxy_in_front(snapshot: Path, handler: type[ForwardingHandler]) -> Iterator[str]:
    """A loopback server with ``handler`` in front of a snapshot server; yields its URL."""
    with SnapshotServer(snapshot) as server:
        bound = type("Bound", (handler,), {"upstream": server.url})
        proxy = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        proxy.daemon_threads = True
        thread = threading.Thread(target=proxy.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{proxy.server_address[1]}"
        finally:
            proxy.shutdown()
            proxy.server_close()

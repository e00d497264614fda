"""`monitor run`: the daemon polls at start-up, serves /healthz and /metrics, reloads on
SIGHUP (rejecting an invalid file) and exits 0 on SIGTERM after the cycle in flight."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from core.db import make_engine
from core.models import Article
from crawler.snapshot_server import SnapshotServer
from tests.conftest import ROOT, SNAPSHOT, fast_settings

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.3) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(interval)
    return False


def start_daemon(config: Path, db_url: str, mirror: str, listen: str,
                 extra_env: dict[str, str] | None = None,
                 log: Path | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update({"MONITOR_DB_URL": db_url, "PYTHONPATH": str(ROOT), **(extra_env or {})})
    stderr = log.open("w") if log else subprocess.PIPE
    return subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), "run", "--mirror", mirror,
         "--listen", listen],
        stdout=subprocess.PIPE if log is None else subprocess.DEVNULL, stderr=stderr, text=True,
        env=env, cwd=config.parent,
    )


def test_daemon_health_metrics_reload_and_graceful_stop(tmp_path: Path) -> None:
    config = fast_settings(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'daemon.db'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with SnapshotServer(SNAPSHOT) as server:
        daemon = start_daemon(config, db_url, server.url, f"127.0.0.1:{port}")
        try:
            assert wait_for(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200), \
                daemon.stderr.read() if daemon.poll() is not None else "no /healthz"
            engine = make_engine(db_url)

            def stored() -> int:
                with Session(engine) as session:
                    return int(session.exec(select(func.count()).select_from(Article)).one())

            assert wait_for(lambda: stored() > 0), "the start-up poll stored nothing"
            assert wait_for(lambda: "monitor_new_articles_total{" in httpx.get(
                f"{base}/metrics", timeout=2).text)
            metrics = httpx.get(f"{base}/metrics", timeout=2).text
            assert "monitor_cycle_seconds_bucket" in metrics
            assert httpx.get(f"{base}/nothing", timeout=2).status_code == 404

            assert wait_for(lambda: 'monitor_alerts_total{channel="console",outcome="sent"}'
                            in httpx.get(f"{base}/metrics", timeout=2).text)
            good = config.read_text("utf-8")
            config.write_text("[storage\nbroken", "utf-8")  # an invalid new file
            daemon.send_signal(signal.SIGHUP)
            time.sleep(1.0)
            assert daemon.poll() is None
            assert httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            time.sleep(1.1)  # a later modification time than the broken file's
            config.write_text(good.replace("interval = 900", "interval = 1200"), "utf-8")
            # no signal this time: the changed file is noticed and loaded
            time.sleep(4)  # the watcher looks every 2 s; its log line is checked below
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                _, stderr = daemon.communicate(timeout=90)
            except subprocess.TimeoutExpired:
                daemon.kill()
                raise
    assert daemon.returncode == 0, stderr[-3000:]
    assert "reload rejected" in stderr and "TOML syntax error" in stderr
    assert "configuration reloaded" in stderr
    assert "monitor stopped" in stderr
    # the reload kept each source's next poll: tass_en was polled at start-up only
    assert len(re.findall(r"source tass_en: [\w-]+, \d+ fetched", stderr)) == 1, stderr[-3000:]


def test_sigterm_during_the_start_up_poll_lets_the_cycles_in_flight_finish(tmp_path: Path) -> None:
    config = fast_settings(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'stop.db'}"
    port = free_port()
    with SnapshotServer(SNAPSHOT) as server:
        daemon = start_daemon(config, db_url, server.url, f"127.0.0.1:{port}")
        assert wait_for(lambda: server.requests), "the start-up poll never began"
        daemon.send_signal(signal.SIGTERM)  # while the first sources are being crawled
        _, stderr = daemon.communicate(timeout=120)
    assert daemon.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr and "CancelledError" not in stderr, stderr[-3000:]
    finished = re.findall(r"source (\w+): [\w-]+, \d+ fetched", stderr)
    assert finished, stderr[-3000:]  # the cycles in flight were finished and stored
    with Session(make_engine(db_url)) as session:
        sources = {a.source for a in session.exec(select(Article))}
    assert sources and sources <= set(finished)

"""Storage faults through the real command: a process killed mid-cycle leaves an intact
database with no half-written article, and the next cycle stores everything; a
database locked by another writer is waited for, not failed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawler.snapshot_server import SnapshotServer
from tests.conftest import ROOT, SNAPSHOT, fast_settings
from tests.e2e.helpers import run_monitor
from tests.e2e.test_run_once import expected_urls

pytestmark = pytest.mark.slow


def check_database(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        half_written = conn.execute(
            "SELECT count(*) FROM articles WHERE story_id IS NULL").fetchone()[0]
        assert half_written == 0
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])


def test_killed_mid_cycle_then_the_next_cycle_stores_everything(tmp_path: Path) -> None:
    config = fast_settings(tmp_path)
    db = tmp_path / "killed.db"
    env = {**os.environ, "MONITOR_DB_URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT)}
    with SnapshotServer(SNAPSHOT) as server:
        for delay in (1.0, 1.6, 2.2, 2.8):
            process = subprocess.Popen(
                [sys.executable, "-m", "monitor.cli", "--config", str(config), "run-once",
                 "--mirror", server.url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=env)
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            if db.exists():
                check_database(db)
        done = run_monitor(config, f"sqlite:///{db}", "run-once", "--mirror", server.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert check_database(db) == len(expected_urls(SNAPSHOT))


def test_a_locked_database_is_waited_for(tmp_path: Path) -> None:
    config = fast_settings(tmp_path)
    db = tmp_path / "locked.db"
    with SnapshotServer(SNAPSHOT) as server:
        assert run_monitor(config, f"sqlite:///{db}", "run-once", "--source", "mid_en",
                           "--mirror", server.url).returncode == 0
        blocker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock for 3 s
        release = threading.Timer(3.0, blocker.execute, args=("COMMIT",))
        release.start()
        started = time.monotonic()
        done = run_monitor(config, f"sqlite:///{db}", "run-once", "--mirror", server.url)
        release.join()
        blocker.close()
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.monotonic() - started >= 2.5
    assert check_database(db) == len(expected_urls(SNAPSHOT))

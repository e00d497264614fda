"""Storage faults through the real command: a process killed mid-cycle leaves an intact
database with no half-written article, and the next cycle stores everything; a disk
that refuses writes mid-cycle fails the cycle cleanly, and the next one stores
everything, alerting once; a database locked by another writer is waited for."""

from __future__ import annotations

import os
import resource
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
        tables = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "articles" not in tables:
            # Killed after opening the file but before the schema committed: the schema
            # is created in one transaction, so there is none of it at all.
            assert tables == set(), tables
            return 0
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


def alerted(db: Path) -> list[tuple[str, str, str, str]]:
    """(rule, channel, article URL, status) of every article alert, sorted."""
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute(
            "SELECT alerts.rule, alerts.channel, articles.url, alerts.status FROM alerts "
            "JOIN articles ON articles.id = alerts.article_id WHERE alerts.kind = 'article'"))


def test_a_disk_refusing_writes_mid_cycle_fails_cleanly_and_the_next_cycle_stores_all(
        tmp_path: Path) -> None:
    # An alert claimed before the refusal but not marked sent for it stays "sending" until
    # its lease runs out, then is sent again (at-least-once): a short lease, waited out.
    config = fast_settings(tmp_path)
    config.write_text(config.read_text("utf-8").replace(
        "backoff_max = 3600", "backoff_max = 3600\nlease_seconds = 2"), "utf-8")
    reference, db = tmp_path / "reference.db", tmp_path / "full.db"
    assert run_monitor(config, f"sqlite:///{db}", "sources").returncode == 0  # the schema
    # The process may grow no file past the schema plus 64 KiB: the kernel answers EFBIG,
    # as a full disk answers ENOSPC, part-way through the sources' transactions.
    cap = db.stat().st_size + 64 * 1024

    def refuse_writes_past_the_cap() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write, don't kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "SLACK_",
                                                                         "SMTP_", "WEBHOOK_"))}
    environ.update({"MONITOR_DB_URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT)})
    with SnapshotServer(SNAPSHOT) as server:
        assert run_monitor(config, f"sqlite:///{reference}", "run-once", "--mirror",
                           server.url).returncode == 0
        refused = subprocess.run(
            [sys.executable, "-m", "monitor.cli", "--config", str(config), "run-once",
             "--mirror", server.url], capture_output=True, text=True, env=environ,
            preexec_fn=refuse_writes_past_the_cap, timeout=180)
        assert check_database(db) < len(expected_urls(SNAPSHOT))  # the cap did bite
        time.sleep(2.5)
        again = run_monitor(config, f"sqlite:///{db}", "run-once", "--mirror", server.url)

    # Failed cleanly: exit 1, each refused source named with the database's reason, no
    # traceback, and the sources stored before the refusal kept.
    assert refused.returncode == 1, refused.stderr
    assert "Traceback" not in refused.stderr
    failed = [line for line in refused.stderr.splitlines() if "storing failed" in line]
    assert failed and all("source " in line and ("I/O error" in line or "full" in line)
                          for line in failed), refused.stderr
    assert "cycle FAILED" in refused.stdout
    # The next cycle stores everything and alerts exactly as an undisturbed run does.
    assert again.returncode == 0, again.stdout + again.stderr
    assert check_database(db) == check_database(reference) == len(expected_urls(SNAPSHOT))
    assert alerted(db) == alerted(reference) != []

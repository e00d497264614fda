"""A delivery process killed with SIGKILL (a real process, a real signal) at the two
dangerous points: before sending (the alert is sent after restart) and between
sending and marking (sent at most once more). Nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlmodel import Session, select

from core.db import make_engine
from core.models import Alert
from core.netguard import ALLOW_ENV
from tests.alerts.servers import FakeSlack
from tests.alerts.test_outbox import enqueue
from tests.conftest import ROOT


def worker(db_url: str, slack_url: str, point: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, ALLOW_ENV: "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tests.alerts.kill_worker", db_url, slack_url,
                           point], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("point, expected_posts", [("before-send", 1), ("after-send", 2)])
def test_sigkill_then_restart(database_url: str, point: str, expected_posts: int) -> None:
    engine = make_engine(database_url)
    enqueue(engine, 3)
    with FakeSlack() as server:
        killed = worker(database_url, server.url, point)
        assert killed.returncode == -signal.SIGKILL
        time.sleep(1.2)  # the dead process's lease runs out
        restarted = worker(database_url, server.url, "none")
        assert restarted.returncode == 0, restarted.stderr
    with Session(engine) as session:
        statuses = Counter(a.status for a in session.exec(select(Alert)).all())
    assert statuses == {"sent": 3}  # nothing lost
    titles = Counter(p["blocks"][0]["text"]["text"] for p in server.received)
    assert len(titles) == 3
    # the alert in flight at the kill arrives once (killed before sending) or at most
    # twice (killed after sending, before marking); the others exactly once
    assert sorted(titles.values()) == sorted([1, 1, expected_posts])

"""Two `monitor run` replicas on one PostgreSQL database behave as one: one leader
schedules the crawls, the other takes over when the leader is killed, and every
alert reaches the Slack-like server exactly once."""

from __future__ import annotations

import json
import shutil
import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.db import make_engine
from core.models import Alert
from core.netguard import ALLOW_ENV
from crawler.snapshot_server import SnapshotServer
from tests.alerts.servers import FakeSlack
from tests.conftest import CASES, fast_settings
from tests.e2e.test_daemon import free_port, start_daemon, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database; SQLite is one process's")
    return database_url


def slack_alerts(db_url: str) -> Counter[str]:
    with Session(make_engine(db_url)) as session:
        return Counter(a.status for a in session.exec(select(Alert)).all() if a.channel == "slack")


def test_leader_dies_follower_takes_over_and_nothing_is_sent_twice(
        tmp_path: Path, snapshot_copy: Path, pg_url: str) -> None:
    config = fast_settings(tmp_path)
    shutil.copytree(CASES / "added_item" / "v1", snapshot_copy, dirs_exist_ok=True)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with SnapshotServer(snapshot_copy) as server, FakeSlack() as slack:
        env = {"SLACK_WEBHOOK_URL": slack.url, ALLOW_ENV: "1"}
        leader = start_daemon(config, pg_url, server.url, f"127.0.0.1:{free_port()}", env, logs[0])
        follower = None
        try:
            assert wait_for(lambda: "this replica is the leader" in logs[0].read_text())
            follower = start_daemon(config, pg_url, server.url, f"127.0.0.1:{free_port()}", env,
                                    logs[1])
            assert wait_for(lambda: "another replica is the leader" in logs[1].read_text())
            assert wait_for(lambda: (s := slack_alerts(pg_url))["sent"] > 0
                            and s["pending"] + s["sending"] == 0, timeout=90)
            first_wave = slack_alerts(pg_url)["sent"]

            leader.send_signal(signal.SIGKILL)
            leader.wait(timeout=10)
            shutil.copytree(CASES / "added_item" / "v2", snapshot_copy, dirs_exist_ok=True)
            assert wait_for(lambda: "leadership taken" in logs[1].read_text(), timeout=30), \
                logs[1].read_text()[-2000:]
            assert wait_for(lambda: slack_alerts(pg_url)["sent"] == first_wave + 1, timeout=90)
        finally:
            for process in (leader, follower):
                if process and process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=90)
    assert follower is not None and follower.returncode == 0
    titles = Counter(json.dumps(p["blocks"][0]) for p in slack.received)
    assert len(slack.received) == first_wave + 1
    assert set(titles.values()) == {1}  # every alert exactly once

"""The read-side commands over a stored crawl: rules check, rules test (backtest),
alerts retry, and their usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.snapshot_server import SnapshotServer
from tests.conftest import SNAPSHOT, fast_settings
from tests.e2e.helpers import run_monitor

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("commands")
    config = fast_settings(tmp)
    db_url = f"sqlite:///{tmp / 'monitor.db'}"
    with SnapshotServer(SNAPSHOT) as server:
        done = run_monitor(config, db_url, "run-once", "--mirror", server.url)
    assert done.returncode == 0, done.stderr
    return config, db_url


def test_rules_check_shows_the_compiled_form(crawled: tuple[Path, str]) -> None:
    done = run_monitor(*crawled, "rules", "check")
    assert done.returncode == 0
    assert "rule ge-ru-normalisation" in done.stdout and "stem(росс)" in done.stdout


def test_backtest_a_query_without_alerting(crawled: tuple[Path, str]) -> None:
    config, db_url = crawled
    before = json.loads(run_monitor(config, db_url, "alerts", "--json").stdout)
    done = run_monitor(config, db_url, "rules", "test", "Karasin* OR Карасин* OR კარასინ*",
                       "--since", "3650", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    sources = {hit["source"] for hit in result["articles"]}
    assert {"tass_en", "civil_en", "civil_ru", "civil_ka"} <= sources
    assert sum(result["per_day"].values()) == result["hits"]
    assert all(hit["snippet"][a:b].lower().startswith(("karasin", "карасин", "კარასინ"))
               for hit in result["articles"] for a, b in hit["highlights"])
    text = run_monitor(config, db_url, "rules", "test", "--rule", "ge-ru-normalisation",
                       "--since", "3650")
    assert text.returncode == 0 and "**" in text.stdout
    assert json.loads(run_monitor(config, db_url, "alerts", "--json").stdout) == before


@pytest.mark.parametrize("args, message", [
    (["rules", "test", "(Грузия"], "position 7"),
    (["rules", "test"], "either a QUERY or --rule"),
    (["run-once", "--source", "nope"], "unknown source 'nope'"),
])
def test_usage_errors_exit_2(crawled: tuple[Path, str], args: list[str], message: str) -> None:
    done = run_monitor(*crawled, *args)
    assert done.returncode == 2
    assert message in done.stdout + done.stderr


def test_alerts_retry_requeues_nothing_when_nothing_is_dead(crawled: tuple[Path, str]) -> None:
    done = run_monitor(*crawled, "alerts", "retry", "--failed")
    assert done.returncode == 0 and "re-queued 0 alert(s)" in done.stdout

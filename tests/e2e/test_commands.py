"""The read-side commands over a stored crawl: rules check, rules test (backtest),
alerts retry, and their usage errors."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.snapshot_server import SnapshotServer
from tests.conftest import ROOT, SNAPSHOT, fast_settings
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
    assert message in done.stderr and done.stdout == ""


def test_alerts_retry_requeues_nothing_when_nothing_is_dead(crawled: tuple[Path, str]) -> None:
    done = run_monitor(*crawled, "alerts", "retry", "--failed")
    assert done.returncode == 0 and "re-queued 0 alert(s)" in done.stdout


def _monitor(db_url: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """The real command with ``args`` exactly as given (run_monitor puts --config first)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "SLACK_",
                                                                         "SMTP_", "WEBHOOK_"))}
    environ.update({"MONITOR_DB_URL": db_url, "PYTHONPATH": str(ROOT)})
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], stderr=subprocess.PIPE,
                          text=True, timeout=120, env=environ, **kwargs)


def _copy_db(db_url: str, tmp_path: Path) -> str:
    """A private copy of the crawled database, for tests that change alert rows."""
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return f"sqlite:///{copy}"


@pytest.mark.parametrize("listen", ["foo", "127.0.0.1:99999", "127.0.0.1:", ":8080"])
def test_run_refuses_a_bad_listen_address_in_one_line(crawled: tuple[Path, str],
                                                      listen: str) -> None:
    done = run_monitor(*crawled, "run", "--listen", listen, timeout=60)
    assert done.returncode == 2
    assert done.stderr == f"monitor: error: --listen: expected HOST:PORT, got {listen!r}\n"
    assert done.stdout == ""


def test_run_refuses_a_busy_port_in_one_line(crawled: tuple[Path, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        listen = f"127.0.0.1:{busy.getsockname()[1]}"
        done = run_monitor(*crawled, "run", "--listen", listen, timeout=60)
    assert done.returncode == 1
    assert done.stderr == f"monitor: cannot listen on {listen}: Address already in use\n"


@pytest.mark.parametrize("args, error", [
    (["rules", "test", "--json", "Karasin AND ("],
     "monitor: error: rule 'query': position 13: a term is missing at the end of the query"),
    (["rules", "test", "--rule", "nope"],
     "monitor: error: --rule: no rule named 'nope' (known: ge-ru-normalisation)"),
    (["alerts", "retry"], "monitor: error: alerts retry: give either an alert ID or --failed"),
    (["alerts", "retry", "1", "--failed"],
     "monitor: error: alerts retry: give either an alert ID or --failed"),
])
def test_errors_go_to_stderr_only(crawled: tuple[Path, str], args: list[str],
                                  error: str) -> None:
    done = run_monitor(*crawled, *args)
    assert done.returncode == 2
    assert done.stdout == "" and done.stderr == error + "\n"


@pytest.mark.parametrize("args", [
    ["alerts"], ["alerts", "--json"], ["sources"],
    ["rules", "test", "--rule", "ge-ru-normalisation", "--since", "3650"],
])
def test_a_closed_stdout_ends_quietly(crawled: tuple[Path, str], args: list[str]) -> None:
    config, db_url = crawled
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first write, as `| head -1` soon does
    try:
        done = _monitor(db_url, "--config", str(config), *args, stdout=write)
    finally:
        os.close(write)
    assert done.returncode == 141
    assert done.stderr == ""


def test_alerts_status_and_limit_are_checked(crawled: tuple[Path, str]) -> None:
    bogus = run_monitor(*crawled, "alerts", "--status", "bogus")
    assert bogus.returncode == 2 and bogus.stdout == ""
    assert ("argument --status: invalid choice: 'bogus' (choose from 'pending', 'sending', "
            "'sent', 'dead', 'folded')") in bogus.stderr
    for limit in ("-1", "0"):
        done = run_monitor(*crawled, "alerts", "--limit", limit)
        assert done.returncode == 2 and done.stdout == ""
        assert f"argument --limit: must be a positive integer, got {limit}" in done.stderr
    sent = json.loads(run_monitor(*crawled, "alerts", "--json", "--status", "sent",
                                  "--limit", "2").stdout)
    assert len(sent) == 2 and {a["status"] for a in sent} == {"sent"}


def test_alerts_retry_says_why_nothing_was_requeued(crawled: tuple[Path, str],
                                                    tmp_path: Path) -> None:
    config, db_url = crawled
    missing = run_monitor(config, db_url, "alerts", "retry", "9999")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr == "monitor: no alert 9999\n"
    first, second = json.loads(run_monitor(config, db_url, "alerts", "--json").stdout)[-2:]
    sent = run_monitor(config, db_url, "alerts", "retry", str(first["id"]))
    assert sent.returncode == 1 and sent.stdout == ""
    assert sent.stderr == f"monitor: alert {first['id']} was already sent\n"

    copy = _copy_db(db_url, tmp_path)
    with sqlite3.connect(copy.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE alerts SET status = 'sending' WHERE id = ?", (first["id"],))
        db.execute("UPDATE alerts SET status = 'dead' WHERE id = ?", (second["id"],))
    sending = run_monitor(config, copy, "alerts", "retry", str(first["id"]))
    assert sending.returncode == 1 and sending.stdout == ""
    assert sending.stderr == f"monitor: alert {first['id']} is being sent now\n"
    dead = run_monitor(config, copy, "alerts", "retry", str(second["id"]))
    assert dead.returncode == 0 and dead.stdout == "re-queued 1 alert(s)\n"
    pending = json.loads(run_monitor(config, copy, "alerts", "--json", "--status",
                                     "pending").stdout)
    assert [a["id"] for a in pending] == [second["id"]]


def test_rules_test_names_the_rule_and_shows_a_query_as_written(
        crawled: tuple[Path, str]) -> None:
    rule = run_monitor(*crawled, "rules", "test", "--rule", "ge-ru-normalisation",
                       "--since", "3650")
    assert rule.returncode == 0
    head = rule.stdout.splitlines()[0]
    assert re.fullmatch(r"\d+ of \d+ stored articles since \d{4}-\d\d-\d\d match rule "
                        r"ge-ru-normalisation", head), head
    assert "\\n" not in rule.stdout and "@" not in head
    query = run_monitor(*crawled, "rules", "test", "Karasin*\nOR Карасин*", "--since", "3650")
    assert query.returncode == 0
    assert query.stdout.splitlines()[1:3] == ["    Karasin*", "    OR Карасин*"]
    assert query.stdout.splitlines()[0].endswith(" match:")
    for days in ("-5", "0", "nan"):
        done = run_monitor(*crawled, "rules", "test", "x", "--since", days)
        assert done.returncode == 2 and done.stdout == ""
        assert f"argument --since: must be a positive number of days, got {days}" in done.stderr


def test_config_is_accepted_after_the_subcommand(crawled: tuple[Path, str],
                                                 tmp_path: Path) -> None:
    config, db_url = crawled
    before = run_monitor(config, db_url, "sources", "--json")
    after = _monitor(db_url, "sources", "--json", "--config", str(config), cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout)
    retry = _monitor(db_url, "alerts", "retry", "--failed", "--config", str(config),
                     cwd=tmp_path)
    assert retry.returncode == 0 and retry.stdout == "re-queued 0 alert(s)\n"
    test = _monitor(db_url, "rules", "test", "--rule", "ge-ru-normalisation", "--config",
                    str(config), cwd=tmp_path)
    assert test.returncode == 0, test.stderr
    # The file given after the subcommand is the one read (the cwd has no settings.toml).
    missing = tmp_path / "missing.toml"
    once = _monitor(db_url, "run-once", "--config", str(missing), cwd=tmp_path)
    assert once.returncode == 2
    assert once.stderr == (f"monitor: invalid configuration: {missing}: cannot read: "
                           "No such file or directory\n")


def test_tables_show_times_to_the_minute_in_utc(crawled: tuple[Path, str]) -> None:
    records = json.loads(run_monitor(*crawled, "alerts", "--json", "--limit", "3").stdout)
    table = run_monitor(*crawled, "alerts", "--limit", "3").stdout.splitlines()
    assert table[0].split()[:3] == ["id", "created", "(UTC)"]
    for record, row in zip(records, table[2:], strict=True):
        created = record["created"][:16].replace("T", " ")  # --json keeps the ISO form
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", record["created"])
        assert row.split()[:3] == [str(record["id"]), *created.split()]
    sources = json.loads(run_monitor(*crawled, "sources", "--json").stdout)
    text = run_monitor(*crawled, "sources").stdout
    assert "T" not in "".join(re.findall(r"\d{4}-\d\d-\d\d\S*", text))
    for source in sources:
        if source["since"]:
            since = source["since"][:16].replace("T", " ")
            assert re.search(rf"^{source['name']}\s+\S+\s+{since} UTC", text, re.M)
            assert source["since"].endswith("Z")

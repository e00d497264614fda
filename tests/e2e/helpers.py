"""Run the real `monitor` command against a real snapshot server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

FEED_ROUTES = {
    "tass_en": "/tass.com/rss/v2.xml",
    "tass_ru": "/tass.ru/rss/v2.xml",
    "sputnik_en": "/sputnikglobe.com/export/rss2/archive/index.xml",
    "sputnik_ge_ru": "/sputnik-georgia.ru/export/rss2/archive/index.xml",
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

"""Logging set-up: readable lines by default, JSON lines on request.

Feed text ends up in log messages (titles, URLs), so control characters are
escaped: a hostile title cannot move the cursor or rewrite a terminal line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def scrub(text: str) -> str:
    """Escape control characters (ANSI escapes included) for display."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record)).replace("\\x0a", "\n")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # Scrapy and Twisted are chatty at INFO, and APScheduler logs every job it runs (some
    # run every few seconds); their warnings and errors still show.
    for noisy in ("scrapy", "twisted", "filelock", "httpx", "httpcore", "trafilatura",
                  "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))

from __future__ import annotations

import json
import logging

from core.logs import JsonFormatter, TextFormatter, scrub


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("scheduler.cycle", logging.INFO, __file__, 1, message, (), None)


def test_json_lines_carry_the_message_and_level() -> None:
    line = JsonFormatter().format(record("source tass_ru: ok, 6 new"))
    entry = json.loads(line)
    assert entry["message"] == "source tass_ru: ok, 6 new" and entry["level"] == "INFO"
    assert entry["logger"] == "scheduler.cycle" and entry["time"].endswith("+00:00")


def test_feed_text_cannot_drive_the_terminal() -> None:
    hostile = "title \x1b[2J\x1b[31mred\x07"
    assert "\x1b" not in scrub(hostile) and "\\x1b[2J" in scrub(hostile)
    assert "\x1b" not in TextFormatter().format(record(hostile))

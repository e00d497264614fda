"""The checks behind settings fields whose type alone cannot say what is valid: each
raises ValueError with the value and what was expected, which the settings loader turns
into one line naming the key. The libraries that define validity (parsel, APScheduler)
are imported only when such a field is set."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (an IANA name, e.g. 'Asia/Tbilisi')") from None
    return value


Timezone = Annotated[str, AfterValidator(check_timezone)]


def check_selector(value: str) -> str:
    """A CSS selector as the crawler reads it (parsel: ``::text``, ``::attr(x)``)."""
    if not value:
        return value
    from cssselect import SelectorError
    from parsel.csstranslator import HTMLTranslator

    try:
        HTMLTranslator().css_to_xpath(value)
    except (SelectorError, ValueError) as exc:
        raise ValueError(f"not a CSS selector ({exc}): {value!r}") from None
    return value


Selector = Annotated[str, AfterValidator(check_selector)]


def check_quiet_hours(value: str) -> str:
    start, dash, end = value.partition("-")
    try:
        if value and (not dash or not time.fromisoformat(start.strip())
                      or not time.fromisoformat(end.strip())):
            raise ValueError
    except ValueError:
        raise ValueError(f"expected HH:MM-HH:MM, e.g. '22:00-07:00': {value!r}") from None
    return value


def check_cron(value: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(f"not a crontab line of five fields ({exc}): {value!r}") from None
    return value


def check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


def check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression ({exc}): {value!r}") from None
    return value

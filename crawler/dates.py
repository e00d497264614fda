"""Dates as the sites print them → timezone-aware UTC datetimes.

Feeds say RFC 822 (often with zone abbreviations Python does not know, like MSK),
pages say ISO 8601, Unix timestamps (Sputnik's ``data-unixtime``) or local wall-clock
time with no zone at all (mid.ru prints Moscow time). Nothing here depends on the
process's own time zone: naive values are placed in an explicit ``default_tz``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["month_number", "parse_datetime", "settle_published"]

# Years outside this window are garbage (a counter, a price, a phone number).
_MIN_YEAR, _MAX_YEAR = 1990, 2100

# Offsets in hours of the abbreviations seen in feeds; email.utils knows only the US ones
# and silently treats the rest (MSK!) as UTC.
_ZONES: dict[str, float] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "BST": 1, "CET": 1, "CEST": 2, "WEST": 1, "EET": 2, "EEST": 3,
    "MSK": 3, "MSD": 4, "GET": 4, "AMT": 4, "AZT": 4, "TRT": 3,
}

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
# Three-letter stems: English, Russian (genitive, nominative and abbreviated forms
# share them; "мая"/"май" both mean May) and Georgian.
_MONTH_STEMS: dict[str, int] = {m[:3]: i for i, m in enumerate(_MONTHS, 1)}
_MONTH_STEMS.update({s: i for i, s in enumerate(
    ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"), 1)})
_MONTH_STEMS["май"] = 5
_MONTH_STEMS.update({s: i for i, s in enumerate(
    ("იან", "თებ", "მარ", "აპრ", "მაი", "ივნ", "ივლ", "აგვ", "სექ", "ოქტ", "ნოე", "დეკ"), 1)})

_WORD = r"[^\W\d_]{3,12}\.?"
_TIME = r"(?:[T,\s]+(?:в\s+)?(\d{1,2})[:.](\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
# "+0300", "+03:00", "GMT+4", "UTC+03:00", or an abbreviation ("MSK").
_OFFSET = r"([+-])(\d{1,2})(?::?(\d{2}))?"
_ZONE = rf"(?:\s*(?:(?:GMT|UTC|UT)\s*)?{_OFFSET}|\s*\b([A-Za-z]{{1,5}})\b)?"
_WEEKDAY = r"(?:[^\W\d_]{2,12}\.?(?:,\s*|\s+))?"  # "Fri, ", "Fri,", "Friday, ", "Пт, "
_RFC822 = re.compile(
    rf"^{_WEEKDAY}(\d{{1,2}})\s+({_WORD})\s+(\d{{2,4}})\s+(\d{{1,2}}):(\d{{2}})(?::(\d{{2}}))?{_ZONE}$"
)
# A zone after a time in the ISO and human forms: "2026-11-20 14:05:00 MSK", "..., 14:05 UTC+3".
_TRAILING_ZONE = re.compile(rf"(?:\s*\b(?:GMT|UTC|UT)\s*|\s+){_OFFSET}$|\s+([A-Za-z]{{2,5}})$")
_ENDS_IN_TIME = re.compile(r"\d:\d\d(?::\d\d)?(?:\.\d+)?$")
# "20 ноября 2026 г., 14:05", "20 November 2026", "Saturday, 21 November 2026", "20 ნოემბერი, 2026"
_DAY_MONTH_YEAR = re.compile(rf"^{_WEEKDAY}(\d{{1,2}})\s+({_WORD}),?\s+(\d{{4}})(?:\s*г\.?)?,?{_TIME}$")
# Georgian's own order: "2026 წლის 21 ნოემბერი" ("of the year 2026, 21 November")
_GEORGIAN_LONG = re.compile(rf"^(\d{{4}})\s+წლის\s+(\d{{1,2}})\s+({_WORD}),?{_TIME}$")
# A date and its time parted by a bar or a spaced dash: "21.11.2026 | 15:30", "… 2026 - 15:30"
_PARTING = re.compile(r"\s+[|–—-]\s+(?=\d{1,2}[:.]\d{2}\b)")
# "November 20, 2026 2:05"
_MONTH_DAY_YEAR = re.compile(rf"^{_WEEKDAY}({_WORD})\s+(\d{{1,2}}),?\s+(\d{{4}}),?{_TIME}$")
# "20.11.2026 14:05", "20/11/2026": day first, as everywhere these sources publish.
_NUMERIC = re.compile(rf"^(\d{{1,2}})[./](\d{{1,2}})[./](\d{{4}}),?{_TIME}$")
_TIMESTAMP = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_COMMENT = re.compile(r"\([^)]*\)")
_ISO_SPACE_ZONE = re.compile(r"(\d)\s+([+-]\d{2}:?\d{2}|Z)$")


def month_number(word: str) -> int | None:
    """1–12 for an English, Russian or Georgian month name or abbreviation."""
    word = word.strip().rstrip(".").lower()
    if len(word) < 3:
        return None
    return _MONTH_STEMS.get(word[:3])


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _finish(value: datetime, default_tz: str) -> datetime | None:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(default_tz))
    try:
        result = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return result if _MIN_YEAR <= result.year <= _MAX_YEAR else None


def _build(year: int, month: int, day: int, hour: str | None, minute: str | None,
           second: str | None) -> datetime | None:
    if year < 100:  # RFC 822 two-digit years
        year += 2000 if year < 70 else 1900
    try:
        return datetime(year, month, day, int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None


def _from_timestamp(number: float) -> datetime | None:
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        value = datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return value if _MIN_YEAR <= value.year <= _MAX_YEAR else None


@lru_cache(maxsize=256)  # a feed's items share their zone
def _offset_zone(sign: str | None, hh: str | None, mm: str | None, abbr: str | None) -> tzinfo | None:
    """The zone of "+0300"/"+3"/"+03:00" or of a known abbreviation; None when unknown."""
    if sign and hh:
        if int(hh) > 14 or int(mm or 0) > 59:
            return None  # no such offset: a number that is not a zone
        offset = timedelta(hours=int(hh), minutes=int(mm or 0))
        return _fixed(-offset if sign == "-" else offset)
    if abbr and abbr.upper() in _ZONES:
        return _fixed(timedelta(hours=_ZONES[abbr.upper()]))
    return None


def _with_zone(value: datetime, sign: str | None, hh: str | None, mm: str | None,
               abbr: str | None) -> datetime:
    zone = _offset_zone(sign, hh, mm, abbr)
    # No zone, or one we do not know: the caller's default zone applies.
    return value.replace(tzinfo=zone) if zone else value


def _fixed(offset: timedelta) -> tzinfo:
    return timezone(offset)


def _normalise_months(text: str) -> str:
    """Replace any month word by its English name, so strptime's %B reads it in any locale."""
    def swap(match: re.Match[str]) -> str:
        number = month_number(match.group(0))
        return _MONTHS[number - 1].capitalize() if number else match.group(0)

    return re.sub(r"[^\W\d_]{3,}\.?", swap, text)


def _strptime(text: str, formats: Sequence[str]) -> datetime | None:
    for fmt in formats:
        candidate = text
        if "%b" in fmt or "%B" in fmt:
            fmt = fmt.replace("%b", "%B")
            candidate = _normalise_months(text)
        try:
            return datetime.strptime(candidate, fmt)
        except ValueError:
            continue
    return None


def _rfc822(text: str) -> datetime | None:
    match = _RFC822.match(_COMMENT.sub("", text).strip())
    if not match:
        return None
    day, month_word, year, hour, minute, second, sign, hh, mm, abbr = match.groups()
    month = month_number(month_word)
    value = _build(int(year), month, int(day), hour, minute, second) if month else None
    return _with_zone(value, sign, hh, mm, abbr) if value else None


def _iso(text: str) -> datetime | None:
    if not text[:1].isdecimal():  # what \d is; an RFC 822 date, the feeds' own, fails here
        return None
    text = _ISO_SPACE_ZONE.sub(r"\1\2", text)
    if not re.match(r"^\d{4}-?\d{2}-?\d{2}", text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _loose(text: str) -> datetime | None:
    """Human forms: '20 ноября 2026, 14:05', 'November 20, 2026', '20.11.2026 14:05',
    '2026 წლის 21 ნოემბერი', and any of them with the time parted by ' | ' or ' - '."""
    text = _PARTING.sub(" ", text)
    if match := _GEORGIAN_LONG.match(text):
        year, day, word, hour, minute, second = match.groups()
        month = month_number(word)
        return _build(int(year), month, int(day), hour, minute, second) if month else None
    if match := _DAY_MONTH_YEAR.match(text):
        day, word, year, hour, minute, second = match.groups()
        month = month_number(word)
        return _build(int(year), month, int(day), hour, minute, second) if month else None
    if match := _MONTH_DAY_YEAR.match(text):
        word, day, year, hour, minute, second = match.groups()
        month = month_number(word)
        return _build(int(year), month, int(day), hour, minute, second) if month else None
    if match := _NUMERIC.match(text):
        day, month_text, year, hour, minute, second = match.groups()
        return _build(int(year), int(month_text), int(day), hour, minute, second)
    return None


def _zone_after_time(text: str) -> datetime | None:
    """ISO and human forms with a zone after the time: "2026-11-20 14:05:00 MSK",
    "20 ноября 2026, 14:05 UTC+3", "Friday, November 20, 2026 14:05:00 +0300"."""
    match = _TRAILING_ZONE.search(text)
    rest = text[:match.start()] if match else ""
    if not match or not _ENDS_IN_TIME.search(rest):
        return None  # a zone only ever follows a time ("20/11/2026 - 10:12" is no zone)
    zone = _offset_zone(*match.groups())
    parsed = (_iso(rest) or _loose(rest)) if zone else None
    if parsed is None or parsed.tzinfo is not None:
        return parsed
    return parsed.replace(tzinfo=zone)


def parse_datetime(value: str | int | float | None, default_tz: str = "UTC",
                   formats: Sequence[str] = ()) -> datetime | None:
    """Any date a source prints → aware UTC datetime, or None when it is not a date.

    Naive values (no zone in the text) are wall-clock time in ``default_tz``. ``formats``
    are strptime patterns tried first; month names may be English, Russian or Georgian.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_timestamp(float(value))
    text = " ".join(str(value).replace("\xa0", " ").split())
    if not text:
        return None
    parsed = _strptime(text, formats) if formats else None
    if parsed is None and _TIMESTAMP.match(text):
        return _from_timestamp(float(text))
    for parser in (_iso, _rfc822, _loose, _zone_after_time):
        if parsed is not None:
            break
        parsed = parser(text)
    return _finish(parsed, default_tz) if parsed is not None else None


def settle_published(published: datetime | None, first_seen: datetime, *,
                     future_slack: timedelta = timedelta(minutes=10)) -> tuple[datetime, str]:
    """The date to store and why it was replaced: ``"missing"``, ``"future"`` or ``""``.

    A missing date, or one further in the future than ``future_slack`` (a wrong zone,
    a scheduled post), is replaced by when we first saw the item.
    """
    first_seen = first_seen if first_seen.tzinfo else first_seen.replace(tzinfo=UTC)
    first_seen = first_seen.astimezone(UTC)
    if published is None:
        return first_seen, "missing"
    published = published if published.tzinfo else published.replace(tzinfo=UTC)
    published = published.astimezone(UTC)
    if published - first_seen > future_slack:
        return first_seen, "future"
    return published, ""

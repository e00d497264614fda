"""crawler.dates: every format the sources print, identical under any process TZ."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.dates import month_number, parse_datetime, settle_published


@pytest.fixture(params=["UTC", "Pacific/Kiritimati", "America/Los_Angeles"], autouse=True)
def process_tz(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run every test here under several process time zones: results must not move."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


CASES = [
    # RFC 822, numeric zones and abbreviations
    ("Fri, 25 Sep 2026 12:47:59 +0300", "UTC", (), utc(2026, 9, 25, 9, 47, 59)),
    ("Fri, 25 Sep 2026 12:47:59 -0000", "UTC", (), utc(2026, 9, 25, 12, 47, 59)),
    ("Fri, 25 Sep 2026 12:47:59 GMT", "Europe/Moscow", (), utc(2026, 9, 25, 12, 47, 59)),
    ("Fri, 25 Sep 2026 12:47:59 UTC", "Europe/Moscow", (), utc(2026, 9, 25, 12, 47, 59)),
    ("Fri, 25 Sep 2026 12:47:59 MSK", "UTC", (), utc(2026, 9, 25, 9, 47, 59)),
    ("Fri, 25 Sep 2026 12:47:59 EDT", "UTC", (), utc(2026, 9, 25, 16, 47, 59)),
    ("Wed, 25 Nov 2026 12:47:59 EST", "UTC", (), utc(2026, 11, 25, 17, 47, 59)),
    ("25 Sep 2026 12:47 +04:00", "UTC", (), utc(2026, 9, 25, 8, 47)),
    ("Fri, 25 Sep 26 12:47:59 +0300", "UTC", (), utc(2026, 9, 25, 9, 47, 59)),
    ("Thu, 20 Nov 2026 14:05:00 +0300 (MSK)", "UTC", (), utc(2026, 11, 20, 11, 5)),
    ("Пт, 25 сен 2026 12:47:59 +0300", "UTC", (), utc(2026, 9, 25, 9, 47, 59)),
    # RFC 822 without a zone: the default zone applies
    ("Fri, 25 Sep 2026 12:47:59", "Europe/Moscow", (), utc(2026, 9, 25, 9, 47, 59)),
    # ISO 8601
    ("2026-11-20T14:05:00+03:00", "UTC", (), utc(2026, 11, 20, 11, 5)),
    ("2026-11-20T14:05:00.250Z", "Europe/Moscow", (),
     utc(2026, 11, 20, 14, 5, 0) + timedelta(milliseconds=250)),
    ("2026-11-20T14:05:00+0400", "UTC", (), utc(2026, 11, 20, 10, 5)),
    ("2026-11-20 14:05:00 +03:00", "UTC", (), utc(2026, 11, 20, 11, 5)),
    ("20261119T1215+0300", "UTC", (), utc(2026, 11, 19, 9, 15)),
    ("2026-11-20T14:05", "Asia/Tbilisi", (), utc(2026, 11, 20, 10, 5)),
    ("2026-11-20", "Europe/Moscow", (), utc(2026, 11, 19, 21, 0)),
    # Unix timestamps (Sputnik's data-unixtime), seconds and milliseconds
    ("1795079700", "Europe/Moscow", (), utc(2026, 11, 19, 9, 15)),
    ("1795079700000", "UTC", (), utc(2026, 11, 19, 9, 15)),
    (1795079700, "UTC", (), utc(2026, 11, 19, 9, 15)),
    (1795079700.5, "UTC", (), utc(2026, 11, 19, 9, 15) + timedelta(milliseconds=500)),
    # mid.ru: Moscow wall-clock time, no zone in the page
    ("20.11.2026 14:05", "Europe/Moscow", ("%d.%m.%Y %H:%M", "%d.%m.%Y"), utc(2026, 11, 20, 11, 5)),
    ("20.11.2026", "Europe/Moscow", ("%d.%m.%Y %H:%M", "%d.%m.%Y"), utc(2026, 11, 19, 21, 0)),
    ("  20.11.2026\xa0 14:05 ", "Europe/Moscow", ("%d.%m.%Y %H:%M",), utc(2026, 11, 20, 11, 5)),
    # month names through strptime formats: English, Russian genitive, abbreviations
    ("20 November 2026", "Asia/Tbilisi", ("%d %B %Y",), utc(2026, 11, 19, 20, 0)),
    ("20 ноября 2026", "Europe/Moscow", ("%d %B %Y",), utc(2026, 11, 19, 21, 0)),
    ("3 мая 2026 09:00", "Europe/Moscow", ("%d %B %Y %H:%M",), utc(2026, 5, 3, 6, 0)),
    ("20 Nov 2026", "UTC", ("%d %b %Y",), utc(2026, 11, 20)),
    ("20 ноя 2026", "UTC", ("%d %b %Y",), utc(2026, 11, 20)),
    # the same human forms without a format
    ("20 ноября 2026 г., 14:05", "Europe/Moscow", (), utc(2026, 11, 20, 11, 5)),
    ("20 ноября 2026", "Europe/Moscow", (), utc(2026, 11, 19, 21, 0)),
    ("November 20, 2026", "UTC", (), utc(2026, 11, 20)),
    ("20 ნოემბერი 2026", "Asia/Tbilisi", (), utc(2026, 11, 19, 20, 0)),
    ("20/11/2026 - 20:12", "UTC", (), utc(2026, 11, 20, 20, 12)),  # civil.ge: a spaced dash before the time
    ("21 November 2026 | 17:45", "Asia/Tbilisi", (), utc(2026, 11, 21, 13, 45)),
    ("Saturday, 21 November 2026", "UTC", (), utc(2026, 11, 21)),
    ("2026 წლის 21 ნოემბერს, 15:30", "Asia/Tbilisi", (), utc(2026, 11, 21, 11, 30)),
    # daylight saving: New York wall-clock time in summer and winter
    ("2026-07-01 12:00", "America/New_York", (), utc(2026, 7, 1, 16, 0)),
    ("2026-01-01 12:00", "America/New_York", (), utc(2026, 1, 1, 17, 0)),
]


@pytest.mark.parametrize(("value", "zone", "formats", "expected"), CASES)
def test_parse_datetime(value: str | int | float, zone: str, formats: tuple[str, ...],
                        expected: datetime | None) -> None:
    result = parse_datetime(value, zone, formats)
    assert result == expected
    if result is not None:
        assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize("garbage", [
    None, "", "   ", "yesterday", "garbage", "0", "12", "1.2.3", "99.99.2026", "31.02.2026",
    "2026-13-45", "Fri, 32 Foo 2026 12:00:00 +0300", "-1", "99999999999999999999", True,
    "1.5e9", "12:05", "ноябрь", "<span>20.11</span>", 0, 10**20, float("nan"), float("inf"),
])
def test_garbage_is_none(garbage: object) -> None:
    assert parse_datetime(garbage) is None  # type: ignore[arg-type]


def test_unknown_zone_name_falls_back_to_utc() -> None:
    assert parse_datetime("2026-11-20 10:00", "Mars/Olympus") == utc(2026, 11, 20, 10, 0)


def test_unknown_abbreviation_uses_default_zone() -> None:
    assert parse_datetime("Fri, 20 Nov 2026 10:00:00 XYZ", "Europe/Moscow") == utc(2026, 11, 20, 7, 0)


def test_month_numbers() -> None:
    assert [month_number(w) for w in ("January", "сентября", "Sept.", "мая", "май", "დეკემბერი")] == \
        [1, 9, 9, 5, 5, 12]
    assert month_number("xy") is None
    assert month_number("foo") is None


def test_same_instant_in_every_process_zone(process_tz: str) -> None:
    """The autouse fixture runs this under each TZ; the values are fixed constants."""
    values = [parse_datetime(v, z, f) for v, z, f, _ in CASES]
    assert values == [expected for *_, expected in CASES]
    # ...and the process zone really is in effect, so a local-time bug would show
    offset = {"UTC": "+0000", "Pacific/Kiritimati": "+1400", "America/Los_Angeles": "-0800"}[process_tz]
    assert time.strftime("%z", time.localtime(1795079700)) == offset


FIRST_SEEN = utc(2026, 11, 20, 12, 0)


@pytest.mark.parametrize(("published", "expected"), [
    (None, (FIRST_SEEN, "missing")),
    (utc(2026, 11, 20, 11, 0), (utc(2026, 11, 20, 11, 0), "")),
    (utc(2026, 11, 20, 12, 9), (utc(2026, 11, 20, 12, 9), "")),  # within the slack
    (utc(2026, 11, 20, 12, 11), (FIRST_SEEN, "future")),
    (utc(2027, 1, 1), (FIRST_SEEN, "future")),
    # another zone's aware value comes back converted to UTC
    (datetime(2026, 11, 20, 14, 0, tzinfo=timezone(timedelta(hours=3))), (utc(2026, 11, 20, 11, 0), "")),
])
def test_settle_published(published: datetime | None, expected: tuple[datetime, str]) -> None:
    result = settle_published(published, FIRST_SEEN)
    assert result == expected
    assert result[0].tzinfo is not None and result[0].utcoffset() == timedelta(0)


def test_settle_published_custom_slack_and_naive_inputs() -> None:
    assert settle_published(utc(2026, 11, 20, 13, 0), FIRST_SEEN, future_slack=timedelta(hours=2)) == \
        (utc(2026, 11, 20, 13, 0), "")
    naive_first_seen = datetime(2026, 11, 20, 12, 0)
    assert settle_published(None, naive_first_seen) == (FIRST_SEEN, "missing")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.integers(), st.floats(allow_nan=True), st.none()))
def test_never_raises_and_always_utc(value: str | int | float | None) -> None:
    result = parse_datetime(value, "Europe/Moscow", ("%d.%m.%Y %H:%M", "%d %B %Y"))
    assert result is None or result.utcoffset() == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)))
def test_round_trips(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    assert parse_datetime(moment.isoformat()) == moment
    assert parse_datetime(moment.strftime("%a, %d %b %Y %H:%M:%S +0000")) == moment
    assert parse_datetime(str(int(moment.timestamp()))) == moment
    assert parse_datetime(moment.astimezone().isoformat()) == moment

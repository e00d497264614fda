"""The outbox on SQLite and PostgreSQL, delivering to a server that answers like Slack."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from alerts.channels.console import ConsoleChannel
from alerts.channels.slack import SlackChannel
from alerts.outbox import LEASE, _claim, deliver_digest, deliver_due, in_quiet_hours, requeue
from core.config import ConsoleChannelConfig, DeliveryConfig, SlackChannelConfig
from core.db import insert_ignore, make_engine, session_scope
from core.models import Alert, Article, RuleMatchRow, utcnow
from core.netguard import ALLOW_ENV
from tests.alerts.servers import FakeSlack, Reply

CONFIG = DeliveryConfig(max_attempts=3, backoff_base=30, backoff_max=600, retry_after_max=60)


@pytest.fixture(autouse=True)
def _loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_ENV, "1")


@pytest.fixture
def engine(database_url: str) -> Engine:
    return make_engine(database_url)


def enqueue(engine: Engine, count: int = 1, channel: str = "slack") -> list[int]:
    ids = []
    with session_scope(engine) as session:
        for n in range(count):
            article = insert_ignore(session, Article, {
                "url_hash": f"h{n}-{channel}", "url": f"https://civil.ge/archives/{n}",
                "source": "civil_en", "language": "en", "title": f"Story {n} <b>&",
                "published": utcnow(), "content_hash": f"c{n}", "story_id": None})
            session.execute(Article.__table__.update().where(  # type: ignore[attr-defined]
                Article.__table__.c.id == article).values(story_id=article))  # type: ignore[attr-defined]
            match = insert_ignore(session, RuleMatchRow, {
                "article_id": article, "rule": "ge-ru", "matched": '["Georgia"]',
                "snippet": "Georgia and Russia", "highlights": "[[0, 7]]"})
            ids.append(insert_ignore(session, Alert, {
                "rule": "ge-ru", "story_id": article, "channel": channel,
                "article_id": article, "match_id": match}))
    return ids


def statuses(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(a.status for a in session.exec(select(Alert)).all())


def slack(url: str, **extra: object) -> dict[str, SlackChannel]:
    config = SlackChannelConfig(type="slack", webhook_url=url, timeout=2,
                                **{"max_per_second": 1000, **extra})  # type: ignore[arg-type]
    return {"slack": SlackChannel("slack", config)}


def later(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


def test_429_waits_retry_after_then_delivers_once(engine: Engine) -> None:
    enqueue(engine)
    with FakeSlack() as server:
        server.replies.append(Reply(429, "rate_limited", {"Retry-After": "20"}))
        channels = slack(server.url)
        first = asyncio.run(deliver_due(engine, channels, CONFIG))
        assert (first.sent, first.retried) == (0, 1)
        with Session(engine) as session:
            alert = session.exec(select(Alert)).one()
            wait = (alert.next_attempt_at - utcnow()).total_seconds()
        assert 15 < wait <= 20
        early = asyncio.run(deliver_due(engine, channels, CONFIG, now=later(5)))
        assert early.sent == 0
        second = asyncio.run(deliver_due(engine, channels, CONFIG, now=later(21)))
    assert second.sent == 1 and len(server.received) == 2
    assert statuses(engine) == {"sent": 1}


def test_500_retries_with_backoff_then_succeeds(engine: Engine) -> None:
    enqueue(engine)
    with FakeSlack() as server:
        server.replies.append(Reply(500, "internal_error"))
        channels = slack(server.url)
        assert asyncio.run(deliver_due(engine, channels, CONFIG)).retried == 1
        with Session(engine) as session:
            wait = (session.exec(select(Alert)).one().next_attempt_at - utcnow()).total_seconds()
        assert 20 <= wait <= 36  # 30 s base, ±20 % jitter
        assert asyncio.run(deliver_due(engine, channels, CONFIG, now=later(40))).sent == 1
    assert statuses(engine) == {"sent": 1}


def test_404_no_service_is_dead_lettered_with_slacks_reason(engine: Engine) -> None:
    enqueue(engine)
    with FakeSlack() as server:
        server.replies.append(Reply(404, "no_service"))
        report = asyncio.run(deliver_due(engine, slack(server.url), CONFIG))
    assert report.dead == 1 and "no_service" in report.errors[0]
    with Session(engine) as session:
        alert = session.exec(select(Alert)).one()
    assert alert.status == "dead" and "no_service" in alert.last_error
    assert requeue(engine, failed=True) == 1 and statuses(engine) == {"pending": 1}


def test_attempts_are_bounded(engine: Engine) -> None:
    enqueue(engine)
    with FakeSlack() as server:
        server.replies.extend([Reply(503, "x")] * 5)
        channels = slack(server.url)
        for hours in range(4):
            asyncio.run(deliver_due(engine, channels, CONFIG, now=later(hours * 3600)))
    assert statuses(engine) == {"dead": 1}
    assert len(server.received) == CONFIG.max_attempts


def test_disabled_channel_alerts_wait_and_are_never_dropped(engine: Engine) -> None:
    enqueue(engine, channel="email")
    report = asyncio.run(deliver_due(engine, {}, CONFIG))
    assert report.skipped == 1 and statuses(engine) == {"pending": 1}


def test_an_expired_lease_is_sent_again_after_a_crash(engine: Engine) -> None:
    enqueue(engine)
    assert len(_claim(engine, ["slack"], utcnow(), 10)) == 1  # claimed, then the process died
    with FakeSlack() as server:
        channels = slack(server.url)
        assert asyncio.run(deliver_due(engine, channels, CONFIG)).sent == 0  # lease still held
        after = asyncio.run(deliver_due(engine, channels, CONFIG, now=later(LEASE.seconds + 1)))
    assert after.sent == 1 and len(server.received) == 1


def test_a_thousand_alerts_none_lost_none_twice(engine: Engine) -> None:
    enqueue(engine, 1000)
    with FakeSlack() as server:
        report = asyncio.run(deliver_due(engine, slack(server.url), CONFIG))
    assert report.sent == 1000
    titles = Counter(p["blocks"][0]["text"]["text"] for p in server.received)
    assert len(titles) == 1000 and set(titles.values()) == {1}
    assert statuses(engine) == {"sent": 1000}


def test_hourly_cap_folds_the_rest_into_the_next_digest(engine: Engine) -> None:
    enqueue(engine, 5)
    with FakeSlack() as server:
        channels = slack(server.url, max_per_hour=2)
        report = asyncio.run(deliver_due(engine, channels, CONFIG))
        assert (report.sent, report.folded) == (2, 3)
        assert statuses(engine) == {"sent": 2, "folded": 3}
        digest = asyncio.run(deliver_digest(engine, channels["slack"], CONFIG))
    assert digest.sent == 3 and statuses(engine) == {"sent": 5}
    assert server.received[-1]["text"] == "Digest: 3 alert(s)"


def test_a_large_digest_is_split_within_slacks_block_limit(engine: Engine) -> None:
    enqueue(engine, 30)
    with FakeSlack() as server:
        channels = slack(server.url, mode="digest")
        assert asyncio.run(deliver_due(engine, channels, CONFIG)).sent == 0  # digest mode waits
        report = asyncio.run(deliver_digest(engine, channels["slack"], CONFIG))
    assert report.sent == 30 and len(server.received) == 3
    assert all(len(p["blocks"]) <= 50 for p in server.received)
    assert server.received[0]["text"] == "Digest: 30 alert(s) (part 1 of 3)"
    linked = [b for p in server.received for b in p["blocks"]
              if b["type"] == "section" and b["text"]["text"].startswith("*<")]
    assert len(linked) == 30


def test_a_digest_failing_part_way_resends_only_the_parts_not_posted(engine: Engine) -> None:
    enqueue(engine, 30)
    with FakeSlack() as server:
        server.replies.extend([Reply(), Reply(500, "internal_error")])  # part 2 of 3 fails
        channels = slack(server.url, mode="digest")
        first = asyncio.run(deliver_digest(engine, channels["slack"], CONFIG))
        posted_first = len(server.received)
        with session_scope(engine) as session:  # the retry is due now
            session.execute(Alert.__table__.update().values(  # type: ignore[attr-defined]
                next_attempt_at=utcnow()))
        second = asyncio.run(deliver_digest(engine, channels["slack"], CONFIG))
    titles = [b["text"]["text"] for p in server.received for b in p["blocks"]
              if b["type"] == "section" and b["text"]["text"].startswith("*<")]
    assert posted_first == 2 and first.sent == 12 and statuses(engine)["sent"] == 30
    assert second.sent == 18
    assert len(titles) == 30 + 12 and len(set(titles)) == 30  # part 2 was posted twice, nothing else
    assert sum(t.startswith("*<https://civil.ge/archives/0|") for t in titles) == 1


def test_quiet_hours_hold_alerts_until_the_end_of_the_period(engine: Engine) -> None:
    enqueue(engine)
    night = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # 03:30 in Tbilisi
    assert in_quiet_hours("22:00-07:00", "Asia/Tbilisi", night) == datetime(
        2026, 11, 21, 3, 0, tzinfo=UTC)
    assert in_quiet_hours("22:00-07:00", "Asia/Tbilisi", night.replace(hour=10)) is None
    now = utcnow()
    around_now = f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=1)):%H:%M}"
    config = ConsoleChannelConfig(type="console", quiet_hours=around_now, timezone="UTC")
    report = asyncio.run(deliver_due(engine, {"slack": ConsoleChannel("slack", config)}, CONFIG))
    assert report.skipped == 1 and statuses(engine) == {"pending": 1}

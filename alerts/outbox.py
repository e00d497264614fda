"""The outbox: claim due alerts, send them, mark them sent; retry with backoff and
jitter; dead-letter permanent failures. Nothing is dropped.

Delivery is at-least-once. A claim is a lease: the row goes to ``sending`` with
``claimed_until`` in the future and is committed before the send. A process
killed before sending leaves a lease that expires, and the alert is sent after
restart; one killed between sending and marking sends that alert at most once
more (the lease expires and it is claimed again). Email carries a stable
Message-ID, so such a resend is recognisable. On PostgreSQL the claim uses
``FOR UPDATE SKIP LOCKED``, so several replicas share the outbox without
sending one alert twice; SQLite serialises claims with ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, or_, update
from sqlmodel import col, select

from alerts.channels.base import Channel, SendResult
from alerts.message import AlertMessage, build_message
from core.config import DeliveryConfig
from core.db import session_scope
from core.models import Alert, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # the default of DeliveryConfig.lease_seconds


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    folded: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.folded += other.folded
        self.skipped += other.skipped
        self.errors += other.errors


def backoff(attempts: int, config: DeliveryConfig, retry_after: float | None = None) -> float:
    if retry_after is not None:
        return min(retry_after, config.retry_after_max)
    delay = min(config.backoff_base * 2 ** max(0, attempts - 1), config.backoff_max)
    return delay * random.uniform(0.8, 1.2)  # jitter: replicas and channels do not align


def in_quiet_hours(spec: str, zone: str, now: datetime) -> datetime | None:
    """When ``now`` falls in ``HH:MM-HH:MM`` (local to ``zone``), the end of that period."""
    if not spec:
        return None
    start_text, _, end_text = spec.partition("-")
    start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    local = now.astimezone(ZoneInfo(zone))
    current = local.time()
    inside = (start <= current < end) if start < end else (current >= start or current < end)
    if not inside:
        return None
    finish = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if finish <= local:
        finish += timedelta(days=1)
    return finish.astimezone(now.tzinfo)


def _claim(engine: Engine, channels: list[str], now: datetime, limit: int,
           lease: timedelta = LEASE) -> list[int]:
    with session_scope(engine) as session:
        query = (
            select(Alert.id)
            .where(col(Alert.channel).in_(channels))
            .where(or_(
                (col(Alert.status) == "pending") & (col(Alert.next_attempt_at) <= now),
                (col(Alert.status) == "sending") & (col(Alert.claimed_until) < now),
            ))
            .order_by(col(Alert.id)).limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = [i for i in session.exec(query).all() if i is not None]
        if ids:
            session.execute(update(Alert).where(col(Alert.id).in_(ids)).values(
                status="sending", claimed_until=now + lease, attempts=Alert.attempts + 1))
        return ids


def _record(engine: Engine, alert_id: int, result: SendResult, config: DeliveryConfig,
            report: DeliveryReport, channel: str) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            return
        alert.claimed_until = None
        if result.ok:
            alert.status, alert.sent_at, alert.last_error = "sent", now, ""
            report.sent += 1
        elif result.permanent or alert.attempts >= config.max_attempts:
            alert.status, alert.last_error = "dead", result.error
            report.dead += 1
            report.errors.append(f"alert {alert_id} on {channel}: dead: {result.error}")
            log.error("alert %d on %s dead-lettered: %s", alert_id, channel, result.error)
        else:
            delay = backoff(alert.attempts, config, result.retry_after)
            alert.status, alert.last_error = "pending", result.error
            alert.next_attempt_at = now + timedelta(seconds=delay)
            report.retried += 1
            report.errors.append(f"alert {alert_id} on {channel}: retry in {delay:.0f}s: "
                                 f"{result.error}")
            log.warning("alert %d on %s failed (attempt %d), retry in %.0fs: %s", alert_id,
                        channel, alert.attempts, delay, result.error)
        session.add(alert)


def _sent_last_hour(engine: Engine, channel: str, now: datetime) -> int:
    with session_scope(engine) as session:
        return int(session.exec(
            select(func.count()).select_from(Alert)
            .where(Alert.channel == channel, Alert.status == "sent",
                   col(Alert.sent_at) >= now - timedelta(hours=1))
        ).one())


def _load(engine: Engine, alert_id: int) -> AlertMessage | None:
    with session_scope(engine) as session:
        alert = session.get(Alert, alert_id)
        return build_message(session, alert) if alert else None


def _defer(engine: Engine, ids: list[int], status: str, until: datetime | None = None) -> None:
    """Give claimed alerts back (quiet hours, or folded into the next digest)."""
    values: dict[str, object] = {"status": status, "claimed_until": None,
                                 "attempts": Alert.attempts - 1}
    if until is not None:
        values["next_attempt_at"] = until
    with session_scope(engine) as session:
        session.execute(update(Alert).where(col(Alert.id).in_(ids)).values(**values))


async def _deliver_channel(engine: Engine, channel: Channel, config: DeliveryConfig,
                           now: datetime, limit: int) -> DeliveryReport:
    report = DeliveryReport()
    settings = channel.config
    ids = _claim(engine, [channel.name], now, limit, timedelta(seconds=config.lease_seconds))
    if not ids:
        return report
    quiet_until = in_quiet_hours(settings.quiet_hours, settings.timezone, now)
    if quiet_until is not None:
        _defer(engine, ids, "pending", quiet_until)
        report.skipped += len(ids)
        return report
    budget = len(ids)
    if settings.max_per_hour:
        budget = max(0, settings.max_per_hour - _sent_last_hour(engine, channel.name, now))
    if budget < len(ids):
        _defer(engine, ids[budget:], "folded")
        report.folded += len(ids) - budget
        log.warning("channel %s over %d alerts/hour: %d folded into the next digest",
                    channel.name, settings.max_per_hour, len(ids) - budget)
    for alert_id in ids[:budget]:
        try:
            message = _load(engine, alert_id)
        except LookupError as exc:
            _record(engine, alert_id, SendResult.permanent_failure(str(exc)), config, report,
                    channel.name)
            continue
        if message is None:
            continue
        _record(engine, alert_id, await channel.send(message), config, report, channel.name)
    return report


async def deliver_due(engine: Engine, channels: Mapping[str, Channel], config: DeliveryConfig,
                      *, now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Send every due alert of the immediate-mode channels; a failing channel does not
    stop the others. Alerts of channels not given (disabled) stay pending."""
    now = now or utcnow()
    report = DeliveryReport()
    for channel in channels.values():
        if channel.config.mode != "immediate":
            continue
        while True:
            batch = await _deliver_channel(engine, channel, config, now,
                                           limit or config.batch_size)
            report.add(batch)
            if limit or (batch.sent + batch.retried + batch.dead) == 0 or batch.skipped \
                    or batch.folded:
                break
    with session_scope(engine) as session:
        report.skipped += int(session.exec(
            select(func.count()).select_from(Alert)
            .where(col(Alert.channel).not_in(list(channels)), Alert.status == "pending")
        ).one())
    return report


async def deliver_digest(engine: Engine, channel: Channel, config: DeliveryConfig, *,
                         now: datetime | None = None) -> DeliveryReport:
    """Everything pending or folded for ``channel``, as one message, marked sent together."""
    now = now or utcnow()
    report = DeliveryReport()
    with session_scope(engine) as session:
        query = (select(Alert.id).where(Alert.channel == channel.name)
                 .where(col(Alert.status).in_(["pending", "folded"]))
                 .order_by(col(Alert.rule), col(Alert.story_id), col(Alert.id)))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = [i for i in session.exec(query).all() if i is not None]
        if ids:
            session.execute(update(Alert).where(col(Alert.id).in_(ids)).values(
                status="sending", claimed_until=now + timedelta(seconds=config.lease_seconds),
                attempts=Alert.attempts + 1))
    if not ids:
        return report
    messages = [m for m in (_load(engine, i) for i in ids) if m is not None]
    result = await channel.send_digest(messages)
    for alert_id in ids:
        done = SendResult.success() if alert_id in result.delivered else result
        _record(engine, alert_id, done, config, report, channel.name)
    return report


def requeue(engine: Engine, alert_id: int | None = None, *, failed: bool = False) -> int:
    """Re-queue one alert (any status but sent), or every dead one; returns how many."""
    with session_scope(engine) as session:
        query = update(Alert).values(status="pending", attempts=0, next_attempt_at=utcnow(),
                                     claimed_until=None)
        if alert_id is not None:
            query = query.where(col(Alert.id) == alert_id, col(Alert.status) != "sent")
        elif failed:
            query = query.where(col(Alert.status) == "dead")
        else:
            return 0
        return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]

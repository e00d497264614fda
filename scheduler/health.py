"""Source health: the state machine behind `monitor sources` and operator alerts.

States: ok, empty, blocked, parse-error, failing, stale. A source entering or
leaving a bad state raises one operator alert per transition (not per cycle).
Consecutive failures back off the polling interval, up to a cap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from core.config import SourceConfig
from core.db import insert_ignore
from core.models import BAD_SOURCE_STATES, Alert, SourceState, utcnow
from crawler.items import SourceResult

MAX_BACKOFF_FACTOR = 16


def state_for(result: SourceResult, state: SourceState, source: SourceConfig,
              now: datetime, new_items: int) -> str:
    if result.failed:
        return result.outcome
    if new_items:
        return "ok"
    last_new = state.last_new_item or state.state_since
    if last_new and now - last_new > timedelta(seconds=source.stale_after):
        return "stale"
    if result.outcome == "empty":
        return "empty"
    if result.outcome == "not-modified" and state.state in ("ok", "empty"):
        return state.state
    return "ok"


def next_poll(source: SourceConfig, failures: int, now: datetime) -> datetime:
    factor = min(2 ** failures, MAX_BACKOFF_FACTOR) if failures else 1
    return now + timedelta(seconds=source.interval * factor)


def record_outcome(session: Session, source: SourceConfig, result: SourceResult, new_items: int,
                   operator_channels: Sequence[str]) -> SourceState:
    """Update the source's row from this crawl and enqueue an operator alert on transition."""
    now = utcnow()
    state = session.get(SourceState, source.name) or SourceState(name=source.name, state="new",
                                                                 state_since=now)
    new_state = state_for(result, state, source, now, new_items)
    state.last_attempt = now
    if result.failed:
        state.consecutive_failures += 1
        state.last_error = result.detail or result.outcome
        state.last_error_at = now
    else:
        state.consecutive_failures = 0
        state.last_success = now
        if result.degraded:  # a fallback route saved the cycle; the feed's failure still shows
            state.last_error, state.last_error_at = result.degraded, now
    if new_items:
        state.last_new_item = now
        state.items_seen += new_items
    state.next_poll_at = next_poll(source, state.consecutive_failures, now)
    previous, previous_since, previous_error = state.state, state.state_since, state.last_error
    if new_state != previous:
        state.state, state.state_since = new_state, now
        state.state_reason = result.detail if result.failed or new_state == "stale" else ""
        entering = new_state in BAD_SOURCE_STATES
        leaving = previous in BAD_SOURCE_STATES
        if entering or leaving:
            state.transitions += 1
            _operator_alert(session, state, previous, new_state, result.detail, operator_channels,
                            down=(previous_since, now, previous_error))
    session.add(state)
    return state


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours < 48 else f"{hours // 24} days"


def _operator_alert(session: Session, state: SourceState, previous: str, new: str, detail: str,
                    channels: Sequence[str], *, down: tuple[datetime, datetime, str]) -> None:
    """``down``: since when the source was in its previous state, until when, and its last
    error then, which a recovery reports."""
    if new in BAD_SOURCE_STATES:
        title = f"Source {state.name} is {new}"
        text = detail or new
    else:
        since, until, last_error = down
        title = f"Source {state.name} recovered ({previous} → {new})"
        text = (f"{state.name} is {new} again after {_duration(until - since)} {previous} "
                f"(since {since:%Y-%m-%d %H:%M} UTC); last error: {last_error or 'none recorded'}")
    payload = json.dumps({"title": title, "text": text, "source": state.name,
                          "state": new, "previous": previous}, ensure_ascii=False)
    for channel in channels:
        insert_ignore(session, Alert, {
            "rule": f"source-health:{state.name}", "story_id": state.transitions,
            "channel": channel, "article_id": None, "kind": "operator", "status": "pending",
            "payload": payload, "next_attempt_at": utcnow(), "created_at": utcnow(),
        })

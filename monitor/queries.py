"""Read-side commands: `alerts`, `sources`, `rules check`, `rules test`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from core.config import Settings
from core.db import make_engine
from core.errors import MonitorError
from core.logs import scrub
from core.models import Alert, Article, RuleMatchRow, SourceState, utcnow
from monitor import UsageError
from monitor.output import shorten, table

# Article dates are far younger than this; a larger --since would overflow datetime.
MAX_SINCE_DAYS = 36500


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _minute(iso: str | None) -> str:
    """``2026-11-23T15:00:07.124924Z`` as ``2026-11-23 15:00`` (UTC), for tables."""
    if not iso:
        return "-"
    value = datetime.fromisoformat(iso)
    # A naive value is UTC: every time is stored in UTC.
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"{value:%Y-%m-%d %H:%M}"


def _also(session: Session, story: int, article_id: int | None) -> list[str]:
    rows = session.exec(select(Article.url).where(Article.story_id == story,
                                                  Article.id != article_id)
                        .order_by(col(Article.id))).all()
    return list(rows)


def alert_records(session: Session, limit: int, status: str | None = None) -> list[dict[str, Any]]:
    query = select(Alert).order_by(col(Alert.id).desc()).limit(limit)
    if status:
        query = query.where(Alert.status == status)
    records = []
    for alert in session.exec(query).all():
        article = session.get(Article, alert.article_id) if alert.article_id else None
        match = session.get(RuleMatchRow, alert.match_id) if alert.match_id else None
        payload = json.loads(alert.payload) if alert.payload else {}
        records.append({
            "id": alert.id, "kind": alert.kind, "rule": alert.rule, "channel": alert.channel,
            "status": alert.status, "attempts": alert.attempts, "last_error": alert.last_error,
            "url": article.url if article else None,
            "title": article.title if article else payload.get("title", ""),
            "source": article.source if article else payload.get("source", ""),
            "language": article.language if article else None,
            "published": _iso(article.published) if article else None,
            "matched": json.loads(match.matched) if match else [],
            "score": match.score if match else None,
            "snippet": match.snippet if match else payload.get("text", ""),
            "story": alert.story_id,
            "also": _also(session, alert.story_id, alert.article_id) if article else [],
            "created": _iso(alert.created_at), "sent": _iso(alert.sent_at),
        })
    return records


def show_alerts(settings: Settings, limit: int, as_json: bool, status: str | None) -> int:
    engine = make_engine(settings.storage.url)
    with Session(engine) as session:
        records = alert_records(session, limit, status)
    if as_json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    rows = [(r["id"], _minute(r["created"]), r["status"], r["channel"], r["rule"], r["source"],
             shorten(str(r["title"]), 60), len(r["also"])) for r in records]
    print(table(("id", "created (UTC)", "status", "channel", "rule", "source", "title", "also"),
                rows))
    return 0


def retry_alerts(settings: Settings, alert_id: int | None, failed: bool) -> int:
    from alerts.outbox import requeue

    engine = make_engine(settings.storage.url)
    if alert_id is not None:
        # requeue() only counts rows; look first so a refusal can say why.
        with Session(engine) as session:
            alert = session.get(Alert, alert_id)
        if alert is None:
            raise MonitorError(f"no alert {alert_id}")
        if alert.status == "sent":
            raise MonitorError(f"alert {alert_id} was already sent")
        if alert.status == "sending":
            raise MonitorError(f"alert {alert_id} is being sent now")
    count = requeue(engine, alert_id, failed=failed)
    print(f"re-queued {count} alert(s)")
    return 0 if count or failed else 1


def _per_day(session: Session, source: str) -> float:
    since = utcnow() - timedelta(days=7)
    count = len(session.exec(select(Article.id).where(Article.source == source,
                                                      Article.first_seen >= since)).all())
    return round(count / 7, 1)


def _utc(iso: str | None) -> str:
    return f"{_minute(iso)} UTC" if iso else "-"


def show_sources(settings: Settings, as_json: bool) -> int:
    engine = make_engine(settings.storage.url)
    records: list[dict[str, Any]] = []
    with Session(engine) as session:
        for source in settings.sources:
            state = session.get(SourceState, source.name)
            records.append({
                "name": source.name, "language": source.language, "enabled": source.enabled,
                "route": source.routes[0].url,
                "state": state.state if state else "new",
                "since": _iso(state.state_since) if state else None,
                "last_success": _iso(state.last_success) if state else None,
                "last_error": (state.last_error or None) if state else None,
                "last_error_at": _iso(state.last_error_at) if state else None,
                "last_new_item": _iso(state.last_new_item) if state else None,
                "consecutive_failures": state.consecutive_failures if state else 0,
                "items_seen": state.items_seen if state else 0,
                "items_per_day": _per_day(session, source.name),
                "next_poll": _iso(state.next_poll_at) if state else None,
            })
    if as_json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    rows = [(r["name"], r["state"], _utc(r["since"]), _utc(r["last_success"]), r["items_seen"],
             r["items_per_day"], shorten(str(r["last_error"] or ""), 50)) for r in records]
    print(table(("source", "state", "since", "last success", "items", "per day", "last error"),
                rows))
    return 0


def rules_check(settings: Settings) -> int:
    from alerts.rules import RuleSet

    ruleset = RuleSet.compile(settings.rules, settings.aliases)
    for name, terms in settings.aliases.items():
        print(f"@{name}: {len(terms)} terms")
    for name, compiled in ruleset.describe().items():
        rule = next(r for r in settings.rules if r.name == name)
        print(f"\nrule {name} → {', '.join(rule.channels)}")
        print(f"  query:    {rule.query}")
        print(f"  compiles: {compiled}")
    print(f"\n{len(settings.rules)} rule(s), {len(settings.aliases)} alias(es): ok")
    return 0


def rules_test(settings: Settings, query: str | None, rule_name: str | None, since_days: float,
               limit: int, as_json: bool) -> int:
    from alerts.rules import AdHocRule, Document, RuleError, RuleSet

    if rule_name:
        matches = [r for r in settings.rules if r.name == rule_name]
        if not matches:
            known = ", ".join(r.name for r in settings.rules)
            raise UsageError(f"--rule: no rule named {rule_name!r} (known: {known})")
        spec = AdHocRule(rule_name, matches[0].query, [], matches[0].min_score)
    else:
        spec = AdHocRule("query", query or "")
    try:
        ruleset = RuleSet.compile([spec], settings.aliases)
    except RuleError as exc:
        raise UsageError(str(exc)) from None
    engine = make_engine(settings.storage.url)
    since = utcnow() - timedelta(days=min(since_days, MAX_SINCE_DAYS))
    hits: list[dict[str, Any]] = []
    scanned = 0
    with Session(engine) as session:
        articles = session.exec(select(Article).where(Article.published >= since)
                                .order_by(col(Article.published).desc())).all()
        for article in articles:
            scanned += 1
            body = "\n\n".join(p for p in (article.summary, article.body) if p)
            found = ruleset.match(Document(article.title, body, article.source, article.language))
            if found:
                m = found[0]
                hits.append({"url": article.url, "title": article.title, "source": article.source,
                             "language": article.language, "published": _iso(article.published),
                             "score": m.score, "matched": m.matched, "snippet": m.snippet,
                             "highlights": m.highlights, "story": article.story_id})
    per_day: dict[str, int] = {}
    for hit in hits:
        day = (hit["published"] or "")[:10]
        per_day[day] = per_day.get(day, 0) + 1
    if as_json:
        print(json.dumps({"query": spec.query, "scanned": scanned, "hits": len(hits),
                          "per_day": per_day, "articles": hits[:limit]}, ensure_ascii=False,
                         indent=2))
        return 0
    summary = f"{len(hits)} of {scanned} stored articles since {since:%Y-%m-%d}"
    if rule_name:
        # The rule's query is long and multi-line; `rules check` shows it.
        print(f"{summary} match rule {rule_name}")
    else:
        print(f"{summary} match:")
        print("\n".join(f"    {line}" for line in spec.query.strip().splitlines()))
    for day, count in sorted(per_day.items()):
        print(f"  {day}  {'#' * min(count, 60)} {count}")
    for hit in hits[:limit]:
        print(f"\n[{hit['source']}] {scrub(hit['title'])}\n  {hit['url']}")
        print(f"  {_highlight(hit['snippet'], hit['highlights'])}")
    return 0


def _highlight(snippet: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in sorted(spans):
        out += [snippet[last:start], "**", snippet[start:end], "**"]
        last = end
    out.append(snippet[last:])
    return scrub(" ".join("".join(out).split()))

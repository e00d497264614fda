"""What a channel is given to send: one alert, with its article, match and story."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from core.models import Alert, Article, RuleMatchRow, utcnow


@dataclass(frozen=True)
class AlertMessage:
    alert_id: int
    kind: str  # "article" | "operator"
    rule: str
    channel: str
    title: str
    url: str
    source: str
    language: str
    published: datetime
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    story: int = 0
    also: list[str] = field(default_factory=list)
    score: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.alert_id, "kind": self.kind, "rule": self.rule, "channel": self.channel,
            "title": self.title, "url": self.url, "source": self.source,
            "language": self.language,
            "published": self.published.isoformat().replace("+00:00", "Z"),
            "snippet": self.snippet, "highlights": [list(h) for h in self.highlights],
            "matched": self.matched, "story": self.story, "also": self.also, "score": self.score,
        }


def build_message(session: Session, alert: Alert) -> AlertMessage:
    if alert.kind == "operator" or alert.article_id is None:
        payload = json.loads(alert.payload or "{}")
        return AlertMessage(
            alert_id=alert.id or 0, kind="operator", rule=alert.rule, channel=alert.channel,
            title=str(payload.get("title", alert.rule)), url="",
            source=str(payload.get("source", "")), language="", published=alert.created_at,
            snippet=str(payload.get("text", "")), story=alert.story_id,
        )
    article = session.get(Article, alert.article_id)
    if article is None:
        raise LookupError(f"alert {alert.id}: article {alert.article_id} is gone")
    match = session.get(RuleMatchRow, alert.match_id) if alert.match_id else None
    also = session.exec(
        select(Article.url).where(Article.story_id == alert.story_id, Article.id != article.id)
        .order_by(col(Article.id))
    ).all()
    return AlertMessage(
        alert_id=alert.id or 0, kind="article", rule=alert.rule, channel=alert.channel,
        title=article.title, url=article.url, source=article.source, language=article.language,
        published=article.published or utcnow(),
        snippet=match.snippet if match else article.summary[:300],
        highlights=[(int(a), int(b)) for a, b in json.loads(match.highlights)] if match else [],
        matched=list(json.loads(match.matched)) if match else [],
        story=alert.story_id, also=list(also), score=match.score if match else 0.0,
    )

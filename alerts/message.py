"""What a channel is given to send: one alert, with its article, match and story, and
the few ways every channel shows it alike (the time in the channel's zone, the words
that matched, the other outlets of the story)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.models import BAD_SOURCE_STATES, Alert, Article, RuleMatchRow, utcnow

TITLE_SHOWN = 300  # a longer title is a feed's mistake: shortened where people read it
OTHERS_SHOWN = 20


@dataclass(frozen=True)
class Outlet:
    """Another article of the alert's story: who carried it, in which language."""

    source: str
    language: str
    title: str
    url: str

    def label(self, shown: Callable[[str], str] = str) -> str:
        """Outlet, language and title; ``shown`` renders the title (the feed's text) for
        a channel that must neutralise it."""
        return f"{self.source} ({self.language}): {shown(shorten(self.title, 120))}"


def shorten(text: str, limit: int = TITLE_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    score: float = 0.0
    # "missing" or "future": ``published`` is when the article was first seen
    published_flag: str = ""
    others: list[Outlet] = field(default_factory=list)
    state: str = ""  # an operator alert's new source state

    @property
    def also(self) -> list[str]:
        """The other outlets' URLs."""
        return [other.url for other in self.others]

    @property
    def recovered(self) -> bool:
        return self.kind == "operator" and bool(self.state) and self.state not in BAD_SOURCE_STATES

    def when(self, timezone: str = "UTC") -> str:
        """The publication time in the channel's zone (UTC beside it), or when the article
        was first seen if the source gave no usable date."""
        zone = ZoneInfo(timezone)
        local = self.published.astimezone(zone)
        shown = local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or timezone)
        if timezone != "UTC":
            shown += self.published.strftime(" (%H:%M UTC)")
        return f"first seen {shown}" if self.published_flag else shown

    def matched_words(self) -> list[str]:
        """The words the match was made of, as the text spells them (once each)."""
        words = {self.snippet[a:b].casefold(): self.snippet[a:b] for a, b in self.highlights
                 if 0 <= a < b <= len(self.snippet)}
        return list(words.values()) or list(self.matched)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.alert_id, "kind": self.kind, "rule": self.rule, "channel": self.channel,
            "title": self.title, "url": self.url, "source": self.source,
            "language": self.language,
            "published": self.published.isoformat().replace("+00:00", "Z"),
            "snippet": self.snippet, "highlights": [list(h) for h in self.highlights],
            "matched": self.matched, "story": self.story, "also": self.also, "score": self.score,
            "published_flag": self.published_flag,
            "others": [{"source": o.source, "language": o.language, "title": o.title, "url": o.url}
                       for o in self.others],
        }


def build_message(session: Session, alert: Alert) -> AlertMessage:
    if alert.kind == "operator" or alert.article_id is None:
        payload = json.loads(alert.payload or "{}")
        return AlertMessage(
            alert_id=alert.id or 0, kind="operator", rule=alert.rule, channel=alert.channel,
            title=str(payload.get("title", alert.rule)), url="",
            source=str(payload.get("source", "")), language="", published=alert.created_at,
            snippet=str(payload.get("text", "")), story=alert.story_id,
            state=str(payload.get("state", "")),
        )
    article = session.get(Article, alert.article_id)
    if article is None:
        raise LookupError(f"alert {alert.id}: article {alert.article_id} is gone")
    match = session.get(RuleMatchRow, alert.match_id) if alert.match_id else None
    others = [Outlet(source, language, title, url) for source, language, title, url in session.exec(
        select(Article.source, Article.language, Article.title, Article.url)
        .where(Article.story_id == alert.story_id, Article.id != article.id)
        .order_by(col(Article.id)).limit(OTHERS_SHOWN)
    ).all()]
    return AlertMessage(
        alert_id=alert.id or 0, kind="article", rule=alert.rule, channel=alert.channel,
        title=article.title, url=article.url, source=article.source, language=article.language,
        published=article.published or utcnow(),
        snippet=match.snippet if match else article.summary[:300],
        highlights=[(int(a), int(b)) for a, b in json.loads(match.highlights)] if match else [],
        matched=list(json.loads(match.matched)) if match else [],
        story=alert.story_id, score=match.score if match else 0.0,
        published_flag=article.published_flag, others=others,
    )

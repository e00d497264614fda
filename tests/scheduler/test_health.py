"""Source health: stale detection, back-off, and one operator alert per transition."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from core.config import RouteConfig, SourceConfig
from core.db import make_engine, session_scope
from core.models import Alert, SourceState, utcnow
from crawler.items import SourceResult
from scheduler.health import next_poll, record_outcome

SOURCE = SourceConfig(name="mid_ru", language="ru", interval=600, stale_after=3600,
                      routes=[RouteConfig(url="https://mid.ru/ru/rss.php")])


def test_quiet_source_goes_stale_once_and_recovers_once(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        session.add(SourceState(name="mid_ru", state="ok",
                                state_since=utcnow() - timedelta(hours=5),
                                last_new_item=utcnow() - timedelta(hours=2)))
    for _ in range(3):  # three quiet cycles: one transition, one alert
        with session_scope(engine) as session:
            state = record_outcome(session, SOURCE, SourceResult("mid_ru", outcome="not-modified"),
                                   0, ["console"])
            assert state.state == "stale"
    with session_scope(engine) as session:
        assert record_outcome(session, SOURCE, SourceResult("mid_ru", outcome="ok"), 2,
                              ["console"]).state == "ok"
    with Session(engine) as session:
        alerts = session.exec(select(Alert).order_by(Alert.id)).all()  # type: ignore[arg-type]
    assert [a.kind for a in alerts] == ["operator", "operator"]
    assert "stale" in alerts[0].payload and "recovered" in alerts[1].payload


def test_failures_back_off_the_polling_interval() -> None:
    now = utcnow()
    assert next_poll(SOURCE, 0, now) - now == timedelta(seconds=600)
    assert next_poll(SOURCE, 3, now) - now == timedelta(seconds=600 * 8)
    assert next_poll(SOURCE, 10, now) - now == timedelta(seconds=600 * 16)  # capped

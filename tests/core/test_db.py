"""One storage suite, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.db import insert_ignore, make_engine, ping, redact, session_scope
from core.errors import StorageError
from core.models import Alert, Article, utcnow


def _article(url_hash: str = "h1") -> dict[str, object]:
    return {"url_hash": url_hash, "url": f"https://a.ge/{url_hash}", "source": "s", "title": "t",
            "published": utcnow(), "content_hash": "c"}


def test_insert_ignore_acts_only_on_rows_actually_inserted(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        first = insert_ignore(session, Article, _article())
        again = insert_ignore(session, Article, _article())
        other = insert_ignore(session, Article, _article("h2"))
    assert isinstance(first, int) and again is None and other not in (None, first)
    with Session(engine) as session:
        assert len(session.exec(select(Article)).all()) == 2


def test_one_alert_per_rule_story_channel(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        article = insert_ignore(session, Article, _article())
        row = {"rule": "r", "story_id": article, "channel": "console", "article_id": article}
        assert insert_ignore(session, Alert, row) is not None
        assert insert_ignore(session, Alert, row) is None
        assert insert_ignore(session, Alert, {**row, "channel": "slack"}) is not None
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Alert(rule="r", story_id=article, channel="console", article_id=article))


def test_times_come_back_as_utc(database_url: str) -> None:
    engine = make_engine(database_url)
    now = utcnow()
    with session_scope(engine) as session:
        insert_ignore(session, Article, {**_article(), "published": now})
    with Session(engine) as session:
        stored = session.exec(select(Article.published)).one()
    assert stored.utcoffset() is not None and stored.utcoffset().total_seconds() == 0
    assert abs((stored - now).total_seconds()) < 0.01


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_unreachable_database_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="cannot open database"):
        make_engine("postgresql://nobody:secret@127.0.0.1:1/none")
    engine = make_engine("sqlite:///:memory:")
    ping(engine)
    assert redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"

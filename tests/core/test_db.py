"""One storage suite, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.db import insert_ignore, insert_ignore_many, make_engine, ping, redact, session_scope
from core.errors import StorageError
from core.hashing import SIMHASH_VERSION, simhash, sketch
from core.models import Alert, Article, Meta, utcnow


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


def test_insert_ignore_many_returns_the_ids_of_the_rows_actually_inserted(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        before = insert_ignore(session, Article, _article("h2"))
        ids = insert_ignore_many(session, Article, [_article(f"h{n}") for n in range(1, 251)],
                                 key="url_hash")
        assert insert_ignore_many(session, Article, [], key="url_hash") == {}
    assert "h2" not in ids and len(ids) == 249 and before not in ids.values()
    with Session(engine) as session:
        stored = {a.url_hash: a.id for a in session.exec(select(Article))}
    assert stored == {**ids, "h2": before}


def test_simhash_values_of_an_earlier_algorithm_are_recomputed_once(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        for n in range(3):
            insert_ignore(session, Article, {**_article(f"h{n}"), "title": f"Title {n}",
                                             "body": "" if n else "Body words here",
                                             "summary": "a summary", "simhash": 12345,
                                             "sketch": "old words"})
        session.delete(session.get(Meta, "simhash_version"))  # as a database of before
    make_engine(database_url)
    with Session(engine) as session:
        stored = {a.title: a.simhash for a in session.exec(select(Article))}
        sketches = {a.title: a.sketch for a in session.exec(select(Article))}
        assert session.get(Meta, "simhash_version").value == str(SIMHASH_VERSION)  # type: ignore[union-attr]
    assert stored == {"Title 0": simhash("Title 0\nBody words here"),
                      "Title 1": simhash("Title 1\na summary"),
                      "Title 2": simhash("Title 2\na summary")}
    assert sketches == {"Title 0": " ".join(sorted(sketch("Title 0\nBody words here"))),
                        "Title 1": " ".join(sorted(sketch("Title 1\na summary"))),
                        "Title 2": " ".join(sorted(sketch("Title 2\na summary")))}
    assert sketches["Title 0"] == "body here title words"  # every word of three letters or more
    with session_scope(engine) as session:  # marked: not recomputed again
        session.exec(text("UPDATE articles SET simhash = 7"))  # type: ignore[call-overload]
    make_engine(database_url)
    with Session(engine) as session:
        assert {a.simhash for a in session.exec(select(Article))} == {7}
    with session_scope(engine) as session:  # marked by an earlier version: recomputed
        session.exec(text("UPDATE meta SET value = '1'"))  # type: ignore[call-overload]
    make_engine(database_url)
    with Session(engine) as session:
        assert {a.title: a.simhash for a in session.exec(select(Article))} == stored
        assert session.get(Meta, "simhash_version").value == str(SIMHASH_VERSION)  # type: ignore[union-attr]


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

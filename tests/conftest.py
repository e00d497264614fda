"""Shared fixtures: one storage suite over SQLite and PostgreSQL, and snapshot servers."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SNAPSHOT = FIXTURES / "snapshot"
CASES = FIXTURES / "cases"
SETTINGS = ROOT / "settings.toml"
PG_ADMIN_URL = os.environ.get("MONITOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_reason() -> str | None:
    """None when the test PostgreSQL answers, else why it is skipped."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc}"


_PG_REASON = _postgres_reason()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a throw-away PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
        return
    if _PG_REASON:
        pytest.skip(_PG_REASON)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    base = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    yield f"{base}?options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def snapshot_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled snapshot that a test may change."""
    target = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT, target)
    return target


def fast_settings(tmp_path: Path, extra: str = "") -> Path:
    """The shipped settings.toml with test-friendly politeness (no delays, no retries)."""
    text = SETTINGS.read_text("utf-8")
    text = text.replace("download_delay = 0.5", "download_delay = 0")
    text = text.replace("download_timeout = 30", "download_timeout = 3\nretry_times = 0")
    text = text.replace("autothrottle = true", "autothrottle = false")
    path = tmp_path / "settings.toml"
    path.write_text(text + extra, "utf-8")
    return path

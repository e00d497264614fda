"""Fixtures for the extraction tests: recorded pages and the shipped settings' selectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ExtractConfig, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "fixtures" / "pages"
FEEDS = PAGES / "feeds"


@pytest.fixture(scope="session")
def settings() -> Settings:
    # An empty environment: the selectors must not depend on anyone's shell.
    return load_settings(ROOT / "settings.toml", environ={})


@pytest.fixture(scope="session")
def rules(settings: Settings):  # type: ignore[no-untyped-def]
    def for_source(name: str) -> ExtractConfig:
        return settings.source(name).extract

    return for_source


def page(name: str) -> str:
    return (PAGES / name).read_text("utf-8")


def feed(name: str) -> bytes:
    return (FEEDS / name).read_bytes()

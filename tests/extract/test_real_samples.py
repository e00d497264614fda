"""The shared real captures of article pages through the shipped selectors (read from
shared/, not copied into the project; skipped where shared/ is absent)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.config import Settings
from crawler.extract import extract_page
from tests.extract.conftest import ROOT

SAMPLES = ROOT.parent / "shared" / "samples"


def sample(name: str) -> str:
    if not (SAMPLES / name).is_file():
        pytest.skip(f"shared sample {name} not present")
    return (SAMPLES / name).read_text("utf-8")


def test_real_civil_ge_article_body(settings: Settings) -> None:
    page = extract_page(sample("civil_ge_en_article_body.html"), "https://civil.ge/archives/700000",
                        settings.source("civil_en").extract, "en")
    assert page.body.startswith("Giorgi Bakhuashvili, who reportedly served as a personal bodyguard")
    assert page.body.endswith("inspecting the glass of water placed at the podium for Ivanishvili.")
    assert "Photo: MIA" not in page.body  # the featured image's caption is not the text
    assert page.language == "en" and "SSSG" in page.tags


def test_real_mid_ru_article_page(settings: Settings) -> None:
    page = extract_page(sample("mid_ru_ru_article_page_content.html"),
                        "https://mid.ru/ru/foreign_policy/news/1975633/",
                        settings.source("mid_ru").extract, "ru")
    assert page.title == "Об израильских обстрелах миротворцев ООН в Ливане"
    assert page.published == datetime(2024, 10, 11, 9, 6, tzinfo=UTC)  # 12:06 Moscow time
    assert "танка «Меркава»" in page.body
    assert page.body.endswith("пожелание скорейшего выздоровления раненым.")
    # the document number, print/TV links and share buttons stay out
    assert not any(junk in page.body for junk in ("1915-11-10-2024", "TV", "print"))

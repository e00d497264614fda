"""Whole pages in each source's real shape, with the chrome real pages carry (cookie
banners, related-story blocks, embeds, interviews, redesigns, windows-1251 declared only
in a meta tag), decoded as the spider sees them (Scrapy's HtmlResponse) and extracted
with the shipped selectors. tests/fixtures/pages/realistic/expected.json says what a
careful reader would take from each: title, lead, date, author, tags, how the body
starts and ends, text that must and must not be in it, or that there is no article."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from core.config import Settings
from crawler.challenge import challenge_reason
from crawler.extract import extract_page
from tests.conftest import FIXTURES

PAGES = FIXTURES / "pages" / "realistic"
EXPECTED: dict[str, dict[str, Any]] = json.loads((PAGES / "expected.json").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_realistic_page(name: str, settings: Settings) -> None:
    case = EXPECTED[name]
    response = HtmlResponse(url=case["url"], body=(PAGES / f"{name}.html").read_bytes(),
                            headers={"Content-Type": case["content_type"]})
    source = settings.source(case["source"])
    page = extract_page(response.text, case["url"], source.extract, source.language)
    if case.get("no_article"):  # a "not found" page served with 200: the feed's text stands
        assert (page.body, page.method) == ("", "none")
        return
    for key in ("title", "lead", "author", "tags", "language"):
        if key in case:
            assert getattr(page, key) == case[key], key
    if "published" in case:
        assert (page.published.isoformat() if page.published else None) == case["published"]
    for text in case.get("body_must", []):
        assert text in page.body
    for text in case.get("body_must_not", []):
        assert text not in page.body
    paragraphs = page.body.split("\n\n")
    assert paragraphs[0].startswith(case.get("body_first", ""))
    assert paragraphs[-1].endswith(case.get("body_last", ""))
    assert len(paragraphs) >= case.get("paragraphs_min", 1)
    assert paragraphs[0] and not paragraphs[0].startswith(page.title), "the body repeats the headline"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_article_page_passes_for_a_challenge(name: str) -> None:
    assert challenge_reason((PAGES / f"{name}.html").read_text("utf-8", "replace")) is None


@pytest.mark.parametrize("path", sorted((PAGES / "challenges").glob("*.html")), ids=lambda p: p.stem)
def test_challenge_pages_served_for_articles_are_recognised(path: Path) -> None:
    assert challenge_reason(path.read_text("utf-8")) is not None

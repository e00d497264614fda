"""Listing pages and news sitemaps in the shapes the real sites and their redesigns take:
Bitrix pagination and search links, time before date, whole-card anchors, image and
"more" links, section links before the article's, pinned items repeated, links to
other sections and sites, and sitemaps with HTML entities, comments and naive dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.config import RouteConfig, Settings
from crawler.challenge import challenge_reason
from crawler.listing import parse_listing, parse_news_sitemap
from tests.conftest import FIXTURES

LISTINGS = FIXTURES / "pages" / "listings"
MID = "https://mid.ru/ru/foreign_policy/news/"
MFA = "https://mfa.gov.ge/en/news/"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def listed(settings: Settings, source: str, name: str,
           url: str) -> list[tuple[str, str, datetime | None]]:
    config = settings.source(source)
    route = next(r for r in config.routes if r.type == "listing")
    items = parse_listing((LISTINGS / name).read_text("utf-8"), url, route,
                          config.extract.timezone, config.extract.date_formats)
    return [(i.link, i.title, i.published) for i in items]


@pytest.mark.parametrize(("name", "expected"), [
    ("mid04_time_first.html", [(MID + "2001122/", "О контактах", utc(2026, 11, 20, 11, 5))]),
    ("mid07_card_link.html",  # the whole card is the anchor, its date inside
     [(MID + "2001122/", "О контактах с грузинской стороной", utc(2026, 11, 20, 11, 5))]),
    ("mid08_img_and_more.html",  # an image link first, a "Подробнее" link after
     [(MID + "2001122/", "О контактах с грузинской стороной", utc(2026, 11, 20, 11, 5))]),
    ("mid09_section_link_first.html",  # a section link before the article's
     [(MID + "2001122/", "О контактах с грузинской стороной", utc(2026, 11, 20, 11, 5))]),
    ("mid16_js_first_link.html",  # a javascript: and a #share link first
     [(MID + "2001122/", "О контактах с грузинской стороной", utc(2026, 11, 20, 11, 5)),
      (MID + "2001100/", "Брифинг", utc(2026, 11, 20, 6, 30))]),
])
def test_mid_items(settings: Settings, name: str,
                   expected: list[tuple[str, str, datetime | None]]) -> None:
    assert listed(settings, "mid_ru", name, MID) == expected


def test_mid_pages_keep_search_links_and_drop_load_more(settings: Settings) -> None:
    page2 = listed(settings, "mid_ru", "mid02_page2_relative.html", MID + "?PAGEN_1=2")
    assert [link for link, _, _ in page2] == [
        MID + "2000950/", MID + "2000940/", MID + "2000930/",
        MID + "?ELEMENT_ID=2000920&sphrase_id=91234"]
    more = listed(settings, "mid_ru", "mid10_load_more.html", MID)
    assert [link for link, _, _ in more] == [MID + "2001122/"]  # not "?PAGEN_1=2"


def test_mfa_pinned_item_takes_the_date_of_its_dated_copy(settings: Settings) -> None:
    items = listed(settings, "mfa_ge_en", "mfa01_pinned.html", MFA)
    assert [(link.rsplit("/", 1)[1][:5], published) for link, _, published in items] == [
        ("12001", utc(2026, 11, 10, 6, 0)), ("12050", utc(2026, 11, 21, 11, 30)),
        ("12048", utc(2026, 11, 20, 20, 0))]


def test_mfa_keeps_only_news_links(settings: Settings) -> None:
    items = listed(settings, "mfa_ge_en", "mfa04_sections_external.html", MFA)
    assert [link for link, _, _ in items] == [
        MFA + "12050-statement", "https://norway.mfa.gov.ge/en/news/555-reception-in-oslo"]


def test_a_challenge_served_for_a_listing_is_recognised(settings: Settings) -> None:
    html = (LISTINGS / "mid14_challenge.html").read_text("utf-8")
    assert listed(settings, "mid_ru", "mid14_challenge.html", MID) == []
    assert challenge_reason(html) is not None


def test_sitemap_survives_entities_comments_and_reads_naive_dates_in_the_sources_zone() -> None:
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            '<url><loc>https://tass.ru/politika/1</loc><news:news>'
            '<news:publication_date>2026-11-20T14:05:00</news:publication_date>'
            '<news:title>Лавров&nbsp;о Грузии &laquo;и&raquo; R&D</news:title></news:news></url>'
            '<url><loc>https://tass.ru/politika/2?id=5&amp;lang=ru</loc><news:news>'
            '<news:publication_date>2026-11-20</news:publication_date>'
            '<news:title>Захарова <!-- editor --> о визах</news:title></news:news></url>'
            '<url><loc>https://tass.ru/tag/georgia</loc></url>'
            '</urlset>').encode()
    items = parse_news_sitemap(body, "https://tass.ru/sitemap/sitemap_news0.xml",
                               "Europe/Moscow", link_pattern=r"/politika/\d+")
    assert [(i.link, i.title, i.published) for i in items] == [
        ("https://tass.ru/politika/1", "Лавров о Грузии «и» R&D", utc(2026, 11, 20, 11, 5)),
        ("https://tass.ru/politika/2?id=5&lang=ru", "Захарова о визах", utc(2026, 11, 19, 21, 0)),
    ]


def test_a_link_pattern_must_be_a_regular_expression() -> None:
    with pytest.raises(ValueError, match="not a regular expression"):
        RouteConfig(type="listing", url="https://mid.ru/", item="li", link="a::attr(href)",
                    link_pattern="(unclosed")

"""parse_listing with the shipped listing routes; read_sitemap on sitemaps and sitemap indexes."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from core.config import RouteConfig, Settings
from crawler.listing import ListingItem, parse_listing, parse_news_sitemap, read_sitemap
from tests.extract.conftest import PAGES, page


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _route(settings: Settings, source: str) -> RouteConfig:
    return next(r for r in settings.source(source).routes if r.type == "listing")


def test_mid_ru_listing(settings: Settings) -> None:
    route = _route(settings, "mid_ru")
    url = "https://mid.ru/ru/foreign_policy/news/?PAGEN_1=1"
    items = parse_listing(page("mid_ru_listing.html"), url, route, settings.source("mid_ru").extract.timezone)
    assert items == [
        ListingItem("https://mid.ru/ru/foreign_policy/news/2001122/", "О контактах с грузинской стороной",
                    utc(2026, 11, 20, 11, 5)),  # date and time spans joined, Moscow time
        ListingItem("https://mid.ru/ru/foreign_policy/news/2001001/",
                    "Брифинг официального представителя МИД России", utc(2026, 11, 19, 15, 40)),
        ListingItem("https://mid.ru/ru/foreign_policy/news/2000990/", "Об отклике на запросы СМИ",
                    utc(2026, 11, 18, 21, 0)),  # a date only: Moscow midnight
    ]  # the banner item without a link and the repeated link are left out


def test_mid_en_listing_route_shape(settings: Settings) -> None:
    route = _route(settings, "mid_en")
    html = page("mid_ru_listing.html").replace("/ru/", "/en/")
    items = parse_listing(html, "https://mid.ru/en/foreign_policy/news/", route, "Europe/Moscow")
    assert [i.link for i in items][:1] == ["https://mid.ru/en/foreign_policy/news/2001122/"]


def test_mfa_ge_listing(settings: Settings) -> None:
    route = _route(settings, "mfa_ge_en")
    items = parse_listing(page("mfa_ge_listing.html"), "https://mfa.gov.ge/en/news", route, "Asia/Tbilisi")
    assert items == [
        ListingItem("https://mfa.gov.ge/en/news/12345-deputy-foreign-minister-meets-the-ambassador-of-switzerland",
                    "Deputy Foreign Minister meets the Ambassador of the Swiss Confederation",
                    utc(2026, 11, 20, 11, 30)),
        ListingItem("https://mfa.gov.ge/en/news/12340-statement-of-the-ministry",
                    "Statement of the Ministry of Foreign Affairs of Georgia", utc(2026, 11, 18, 20, 0)),
    ]  # the javascript: link is dropped


def test_listing_base_href_and_fragments() -> None:
    route = RouteConfig(type="listing", url="https://x.test/news", item="li", link="a::attr(href)",
                        title="a", date="")
    html = ('<html><head><base href="https://cdn.x.test/site/"></head><body><ul>'
            '<li><a href="a/1#comments">One <b>bold</b></a></li><li><a href="mailto:x@x.test">m</a></li>'
            '<li><a href="/abs/2">Two</a></li></ul></body></html>')
    items = parse_listing(html, "https://x.test/news", route)
    assert [(i.link, i.title, i.published) for i in items] == [
        ("https://cdn.x.test/site/a/1", "One bold", None), ("https://cdn.x.test/abs/2", "Two", None)]


def test_listing_with_bad_or_stale_selectors_is_empty() -> None:
    stale = RouteConfig(type="listing", url="https://x.test/", item="div.gone", link="a::attr(href)")
    assert parse_listing(page("mid_ru_listing.html"), "https://mid.ru/", stale) == []
    broken = RouteConfig.model_construct(type="listing", url="https://x.test/", item="li[[",
                                         link="a::attr(href)", title="", date="", link_pattern="")
    assert parse_listing(page("mid_ru_listing.html"), "https://mid.ru/", broken) == []
    assert parse_listing("", "https://mid.ru/", stale) == []


def test_news_sitemap() -> None:
    body = (PAGES / "tass_ru_sitemap_news.xml").read_bytes()
    items = parse_news_sitemap(body, "https://tass.ru/sitemap/sitemap_news0.xml")
    assert items == [
        ListingItem("https://tass.ru/politika/26543210",
                    "Галузин: Россия готова к восстановлению дипотношений с Грузией",
                    utc(2026, 11, 20, 11, 5)),
        ListingItem("https://tass.ru/politika/26543300", 'Песков прокомментировал заявление МИД "Грузии"',
                    utc(2026, 11, 20, 13, 22, 44)),
    ]
    assert parse_news_sitemap(gzip.compress(body), "https://tass.ru/") == items  # .xml.gz without encoding


def test_plain_sitemap_uses_lastmod() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://civil.ge/archives/750101</loc><lastmod>2026-11-20T17:02:10+00:00</lastmod></url>
  <url><loc> https://civil.ge/archives/750099 </loc></url>
</urlset>"""
    assert parse_news_sitemap(body, "https://civil.ge/sitemap.xml") == [
        ListingItem("https://civil.ge/archives/750101", "", utc(2026, 11, 20, 17, 2, 10)),
        ListingItem("https://civil.ge/archives/750099", "", None),
    ]


def test_sitemap_index_and_garbage_yield_nothing() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://tass.ru/sitemap/sitemap_news0.xml</loc></sitemap></sitemapindex>"""
    assert parse_news_sitemap(index, "https://tass.ru/") == []
    for junk in (b"", b"<html><body>hi</body></html>", b"\x1f\x8bnot gzip", b"<urlset><url><loc>"):
        assert parse_news_sitemap(junk, "https://tass.ru/") == []


def _index(*entries: tuple[str, str]) -> bytes:
    return ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(
        f"<sitemap><loc>{loc}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod else ''}</sitemap>"
        for loc, lastmod in entries) + "</sitemapindex>").encode()


def test_a_sitemap_index_lists_its_sitemaps_newest_first() -> None:
    # By lastmod (WordPress: post-sitemap2.xml is the newest); relative locations resolved.
    yoast = _index(("/post-sitemap.xml", "2025-01-03T10:00:00+00:00"),
                   ("/post-sitemap2.xml", "2026-11-21T09:00:00+00:00"),
                   ("/page-sitemap.xml", "2026-03-01T10:00:00+00:00"))
    assert read_sitemap(yoast, "https://civil.ge/sitemap_index.xml").children == [
        "https://civil.ge/post-sitemap2.xml", "https://civil.ge/page-sitemap.xml",
        "https://civil.ge/post-sitemap.xml"]
    # Without lastmod, by the date in the URL (Sputnik's monthly sitemaps, &amp; escaped).
    sputnik = _index(*((f"https://sputnikglobe.com/sitemap_article.xml?date_start=2026{m}01&amp;"
                        f"date_end=2026{m}30", "") for m in ("09", "11", "10")))
    assert [c.split("=")[1][:8] for c in read_sitemap(sputnik, "https://sputnikglobe.com/").children] \
        == ["20261101", "20261001", "20260901"]
    # Neither: as listed.
    plain = _index(("https://x.test/b.xml", ""), ("https://x.test/a.xml", ""))
    assert read_sitemap(plain, "https://x.test/").children == ["https://x.test/b.xml",
                                                               "https://x.test/a.xml"]
    assert read_sitemap(plain, "https://x.test/").items == []


def test_a_sitemap_gzipped_twice_is_read() -> None:
    body = (PAGES / "tass_ru_sitemap_news.xml").read_bytes()
    once = parse_news_sitemap(body, "https://tass.ru/")
    assert once and parse_news_sitemap(gzip.compress(gzip.compress(body)), "https://tass.ru/") == once


def test_a_truncated_sitemap_drops_its_last_entry_not_a_cut_url() -> None:
    body = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://tass.ru/politika/1</loc></url><url><loc>https://tass.ru/polit")
    assert [i.link for i in parse_news_sitemap(body, "https://tass.ru/")] == ["https://tass.ru/politika/1"]
    whole = body + b"ika/2</loc></url></urlset>"
    assert [i.link for i in parse_news_sitemap(whole, "https://tass.ru/")] == [
        "https://tass.ru/politika/1", "https://tass.ru/politika/2"]


def test_sitemap_never_resolves_entities() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://x.test/1</loc><news:news><news:title>&xxe;</news:title></news:news></url></urlset>"""
    items = parse_news_sitemap(body, "https://x.test/")
    assert "root:" not in repr(items)
    assert [i.link for i in items] == ["https://x.test/1"]

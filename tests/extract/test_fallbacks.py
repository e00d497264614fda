"""When the selectors fail: JSON-LD, microdata, trafilatura, OpenGraph, in that order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import ExtractConfig
from crawler.extract import extract_page
from tests.extract.conftest import page

STALE = ExtractConfig(title=["h1.gone"], body=["div.gone p"], published=["time.gone::attr(datetime)"],
                      author=[".gone"], tags=[".gone a"], timezone="Asia/Tbilisi")


def test_jsonld_graph_in_a_list() -> None:
    result = extract_page(page("fallback_jsonld.html"), "https://news.example.org/a/1", STALE)
    assert result.method == "jsonld"
    assert result.title == 'Georgian PM visits Baku for talks on "Middle Corridor"'
    assert result.body.split("\n\n") == [
        "TBILISI. The Georgian Prime Minister arrived in Baku on Tuesday for talks on transit.",
        "The two sides discussed the Middle Corridor and energy projects.",
        "A joint declaration is expected on Wednesday.",
    ]
    assert result.published == datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
    assert result.author == "Nino Kapanadze, John Smith"
    assert result.tags == ["Georgia", "Azerbaijan", "Middle Corridor"]
    assert result.lead == "Talks focused on transit and energy."
    assert result.language == "en"


def test_jsonld_html_article_body_and_single_object() -> None:
    html = """<html><head><script type="application/ld+json">
    {"@type": "NewsArticle", "headline": "H", "articleBody": "<p>First &amp; one.</p><p>Second.</p>",
     "datePublished": "2026-11-18", "author": "Desk", "keywords": ["a", "b", "a"]}
    </script></head><body></body></html>"""
    result = extract_page(html, "https://x.test/", STALE)
    assert (result.method, result.body, result.author, result.tags) == \
        ("jsonld", "First & one.\n\nSecond.", "Desk", ["a", "b"])
    assert result.published == datetime(2026, 11, 17, 20, 0, tzinfo=UTC)  # Tbilisi midnight


def test_jsonld_ignores_non_article_types() -> None:
    html = """<html><head><script type="application/ld+json">
    {"@type": "Organization", "name": "Org", "description": "About us"}</script></head>
    <body><p>short</p></body></html>"""
    result = extract_page(html, "https://x.test/", STALE)
    assert result.method == "none"
    assert result.body == ""


def test_microdata() -> None:
    result = extract_page(page("fallback_microdata.html"), "https://x.test/a", STALE)
    assert result.method == "microdata"
    assert result.title == "В Сухуми прошли консультации по безопасности"
    assert result.body.split("\n\n") == [
        "В Сухуми состоялся очередной раунд консультаций по вопросам безопасности.",
        "Стороны договорились продолжить диалог в рамках Женевских международных дискуссий.",
    ]
    assert result.published == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert result.author == "Пресс-служба"
    assert result.tags == ["Абхазия", "безопасность"]
    assert result.language == "ru"


def test_opengraph_last_resort() -> None:
    url = "https://example.org/news/batumi-port-record"
    result = extract_page(page("fallback_opengraph.html"), url, STALE)
    assert result.method == "opengraph"
    assert result.title == "Batumi port handles record cargo volume"
    assert result.body == result.lead == \
        "Batumi port handled a record volume of cargo in October, the port authority said."
    assert result.published == datetime(2026, 11, 16, 7, 30, tzinfo=UTC)
    assert result.author == ""  # article:author is a profile URL, not a name
    assert result.tags == ["Batumi", "Ports"]
    assert result.canonical_url == "https://example.org/news/batumi-port-record"  # og:url, made absolute
    assert result.language == "en"  # og:locale en_GB


def test_trafilatura_on_plain_markup() -> None:
    result = extract_page(page("fallback_trafilatura.html"), "https://blog.example.org/review", STALE)
    assert result.method == "trafilatura"
    assert result.body.startswith("Shipping through the Black Sea ports of Georgia")
    assert result.body.endswith("dependent the region still is on its northern neighbour.")
    assert len(result.body.split("\n\n")) == 4
    for junk in ("Popular", "Ten photos", "Newsletter", "Copyright", "Contact"):
        assert junk not in result.body
    assert result.title == "Weekly review: Black Sea shipping and the South Caucasus"  # <title>


def test_stale_selectors_on_a_real_shape_fall_back(rules) -> None:  # type: ignore[no-untyped-def]
    """civil.ge redesigns: the configured selectors find nothing, the text is still found."""
    html = page("civil_en_article.html").replace("entry-content entry", "post-body").replace(
        "entry-title", "headline")
    result = extract_page(html, "https://civil.ge/archives/750101", rules("civil_en"))
    assert result.method == "trafilatura"
    assert "Tbilisi is not holding any talks with Moscow" in result.body
    assert "Read Next excerpt" not in result.body  # drop rules still applied first
    assert result.title == "Foreign Minister Says No Talks on Restoring Relations With Russia"  # og:title
    assert result.published == datetime(2026, 11, 20, 16, 12, 44, tzinfo=UTC)


def test_selectors_win_over_metadata(rules) -> None:  # type: ignore[no-untyped-def]
    result = extract_page(page("tass_ru_article.html"), "https://tass.ru/politika/26543210", rules("tass_ru"))
    assert result.method == "selectors"


def _doc(lang: str, text: str) -> str:
    attr = f' lang="{lang}"' if lang else ""
    return f"<html{attr}><body><div class=b><p>{text}</p></div></body></html>"


@pytest.mark.parametrize(("html", "hint", "language"), [
    (_doc("ka-GE", "ტექსტი"), "en", "ka"),
    # the template says English, the text is Georgian
    (_doc("en-US", "საქართველოს საგარეო საქმეთა სამინისტრო აცხადებს"), "en", "ka"),
    (_doc("en", "Министерство иностранных дел России сообщает"), "", "ru"),
    # mid.ru's English pages in a Russian template
    (_doc("ru", "The Ministry of Foreign Affairs of Russia reports today"), "", "en"),
    (_doc("", "The Ministry of Foreign Affairs of Russia reports today"), "fr", "fr"),
    (_doc("", "x"), "ka", "ka"),
    (_doc("uk", "Міністерство закордонних справ України повідомляє"), "", "uk"),
])
def test_language(html: str, hint: str, language: str) -> None:
    rules = ExtractConfig(body=["div.b p"])
    assert extract_page(html, "https://x.test/", rules, language_hint=hint).language == language


def test_canonical_link_is_absolute() -> None:
    html = '<html><head><link rel="Canonical" href="/a/1?x=1"></head><body></body></html>'
    assert extract_page(html, "https://x.test/b/2", STALE).canonical_url == "https://x.test/a/1?x=1"


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "not html at all", "<<<>>>", "\x00\x01",
                                  "<html><body><p>&nbsp;</p><p> </p></body></html>"])
def test_empty_and_garbage_pages(html: str) -> None:
    result = extract_page(html, "https://x.test/", STALE, language_hint="en")
    assert result.body == ""
    assert result.method == "none"
    assert result.language in ("en", "")


def test_bad_configured_selector_is_refused_and_at_run_time_skipped() -> None:
    with pytest.raises(ValueError, match="not a CSS selector"):
        ExtractConfig(title=["h1[["])
    # Settings are validated; should a bad selector get past (built without validation),
    # the extractor still skips it.
    rules = ExtractConfig.model_construct(title=["h1[[", "h1"], body=["p:nosuchpseudo", "div.b p"],
                                          drop=["!!"], lead=[], published=[], author=[], tags=[],
                                          timezone="UTC", date_formats=[])
    html = "<html><body><h1>T</h1><div class=b><p>Body text.</p></div></body></html>"
    result = extract_page(html, "https://x.test/", rules)
    assert (result.title, result.body, result.method) == ("T", "Body text.", "selectors")


def test_nested_body_matches_are_not_repeated() -> None:
    rules = ExtractConfig(body=["div.text"])
    html = '<div class="text"><p>One.</p><div class="text"><p>Two.</p></div></div>'
    assert extract_page(html, "https://x.test/", rules).body == "One.\n\nTwo."


def test_text_selectors_and_attribute_selectors() -> None:
    rules = ExtractConfig(title=["h1::text"], published=["time::attr(datetime)"], tags=["a.tag::text"])
    html = ('<h1>Part <b>bold</b> end</h1><time datetime="2026-11-20T10:00:00Z">today</time>'
            '<a class="tag">#Georgia</a><a class="tag">Russia</a><a class="tag">Georgia</a><p>text</p>')
    result = extract_page(html, "https://x.test/", rules)
    assert result.title == "Part end"  # ::text means the element's own text nodes only
    assert result.published == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert result.tags == ["Georgia", "Russia"]


def test_br_separated_lines_become_paragraphs() -> None:
    rules = ExtractConfig(body=["div.t"])
    html = '<div class="t">Line one<br>Line&nbsp;two<br><br>  Line   three<script>x()</script></div>'
    assert extract_page(html, "https://x.test/", rules).body == "Line one\n\nLine two\n\nLine three"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/ph1divaclass=\"'&;# ტექсттекст\n")), max_size=300))
def test_never_raises(html: str) -> None:
    rules = ExtractConfig(title=["h1"], body=["div p"], drop=["p.x"], published=["p::text"])
    result = extract_page(html, "https://x.test/", rules)
    assert result.method in ("selectors", "jsonld", "microdata", "opengraph", "trafilatura", "none")


def test_deeply_nested_html_does_not_crash_or_hang() -> None:
    from core.config import ExtractConfig
    from crawler.extract import extract_page

    html = "<html><body>" + "<div>" * 5000 + "<p>Deep text about Tbilisi.</p>" + \
        "</div>" * 5000 + "</body></html>"
    page = extract_page(html, "https://civil.ge/archives/1", ExtractConfig(body=["div p"]))
    # libxml2 stops at its nesting limit: the page yields nothing rather than an error,
    # and the feed's own text is kept by the spider.
    assert (page.method, page.body) == ("none", "") or "Deep text about Tbilisi" in page.body

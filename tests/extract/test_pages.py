"""extract_page on every default source's page shape, with the shipped selectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from core.config import ExtractConfig
from crawler.extract import ExtractedPage, extract_page
from tests.extract.conftest import page


@dataclass
class Expected:
    source: str
    fixture: str
    url: str
    title: str
    body_start: str
    body_end: str
    published: datetime | None
    author: str
    tags: list[str]
    language: str
    lead: str = ""
    canonical: str = ""
    absent: tuple[str, ...] = ()  # text that must not leak into the body
    method: str = "selectors"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


CASES = [
    Expected(
        "tass_en", "tass_com_article.html", "https://tass.com/politics/2051234",
        title="Lavrov, Georgian envoy discuss restoring direct flights",
        body_start="MOSCOW, November 20. /TASS/. Russian Foreign Minister",
        body_end="Russia lifted the ban on flights to Georgia in May 2023.",
        published=utc(2026, 11, 20, 11, 30),  # <dateformat time=...>, a Unix timestamp
        author="", tags=["Georgia", "Sergey Lavrov"], language="en",
        lead="The sides discussed trade and humanitarian contacts, the Russian Foreign Ministry said",
        canonical="https://tass.com/politics/2051234",
        absent=("Advertisement", "loadAd", "More on the topic", "Kremlin comments", "© TASS"),
    ),
    Expected(
        "tass_ru", "tass_ru_article.html", "https://tass.ru/politika/26543210",
        title="Галузин: Россия готова к восстановлению дипотношений с Грузией",
        body_start="МОСКВА, 20 ноября. /ТАСС/. Россия готова восстановить",
        body_end="прагматичный подход нынешнего грузинского руководства.",
        published=utc(2026, 11, 20, 11, 5),  # from JSON-LD: the page has no published meta
        author="Анна Смирнова", tags=["Грузия", "МИД РФ"], language="ru",
        lead="По словам замглавы МИД РФ, инициатива должна исходить от Тбилиси",
        canonical="https://tass.ru/politika/26543210",
        absent=("Анна Смирнова", "Читайте также", "В Кремле оценили", "© ТАСС", "__NEXT_DATA__"),
    ),
    Expected(
        "sputnik_en", "sputnikglobe_article.html",
        "https://sputnikglobe.com/20261119/russia-ready-to-restore-ties-with-georgia-1121234567.html",
        title="Russia Ready to Restore Ties With Georgia if Tbilisi Wants It, Kremlin Says",
        body_start="MOSCOW (Sputnik) - Moscow remains open",
        body_end="Direct flights between the two countries resumed in 2023.",
        published=utc(2026, 11, 19, 9, 15),  # a[data-unixtime]
        author="Sputnik International", tags=["Georgia", "Kremlin"], language="en",
        lead="The Kremlin is open to normalising relations with Georgia, the Russian presidential "
             "spokesman said on Thursday.",
        canonical="https://sputnikglobe.com/20261119/russia-ready-to-restore-ties-with-georgia-1121234567.html",
        absent=("EU Moves to Suspend", "12 November", "Subscribe to our Telegram", "GA_ID"),
    ),
    Expected(
        "sputnik_ge_ru", "sputnik_georgia_ru_article.html",
        "https://sputnik-georgia.ru/20261121/v-tbilisi-obsudili-aviasoobschenie-300123456.html",
        title="В Тбилиси обсудили возобновление прямого авиасообщения с Россией",
        body_start="ТБИЛИСИ, 21 ноя – Sputnik. Агентство гражданской авиации",
        body_end="Спрос на перелеты продолжает расти.",
        published=utc(2026, 11, 21, 6, 40),
        author="Георгий Беридзе", tags=["авиасообщение", "Россия"], language="ru",
        lead="Грузинские авиакомпании готовы увеличить число рейсов в Москву, заявили в ведомстве",
        canonical="https://sputnik-georgia.ru/20261121/v-tbilisi-obsudili-aviasoobschenie-300123456.html",
        absent=("Аэропорт Кутаиси",),
    ),
    Expected(
        "sputnik_ge_ka", "sputnik_georgia_com_article.html",
        "https://sputnik-georgia.com/20261121/tbilisshi-prenebi-300123999.html",
        title="თბილისში რუსეთთან პირდაპირი ფრენების გაზრდა განიხილეს",
        body_start="თბილისი, 21 ნოემბერი — Sputnik. საქართველოს სამოქალაქო ავიაციის",
        body_end="მოთხოვნა ფრენებზე კვლავ იზრდება.",
        published=utc(2026, 11, 21, 7, 40),
        author="ნინო ბერიძე", tags=["ავიაცია", "რუსეთი"], language="ka",
        lead="ქართული ავიაკომპანიები მოსკოვის მიმართულებით რეისების გაზრდისთვის მზად არიან, "
             "განაცხადეს უწყებაში",
        canonical="https://sputnik-georgia.com/20261121/tbilisshi-prenebi-300123999.html",
        absent=("ქუთაისის აეროპორტის", "GA_ID", "© Sputnik"),
    ),
    Expected(
        "civil_en", "civil_en_article.html", "https://civil.ge/archives/750101",
        title="Foreign Minister Says No Talks on Restoring Relations With Russia",
        body_start="Georgia’s Foreign Minister said on November 20",
        body_end="recognized the independence of the two breakaway regions.",
        published=utc(2026, 11, 20, 16, 12, 44),
        author="Civil.ge", tags=["Georgia-Russia Relations", "MFA"], language="en",
        lead="The Foreign Minister said on November 20 that Tbilisi is not holding talks with Moscow.",
        canonical="https://civil.ge/archives/750101",
        absent=("Also Read", "Kremlin Says Moscow Ready", "Direct Flights Marked", "Read Next",
                "Opposition Rally", "Related:", "Subscribe", "URL Copied", "Photo: MIA", "Tags"),
    ),
    Expected(
        "civil_ru", "civil_ru_article.html", "https://civil.ge/ru/archives/750202",
        title="Парламент принял закон о прозрачности иностранного влияния во втором чтении",
        body_start="Парламент Грузии 19 ноября во втором чтении",
        body_end="призвало власти Грузии отказаться от законопроекта.",
        published=utc(2026, 11, 19, 9, 30),
        author="Civil.ge", tags=["Парламент", "Закон об иностранных агентах"], language="ru",
        canonical="https://civil.ge/ru/archives/750202",
        absent=("Также читайте", "первом чтении", "Читать далее", "новом митинге"),
    ),
    Expected(
        "civil_ka", "civil_ka_article.html", "https://civil.ge/ka/archives/750303",
        title="საგარეო საქმეთა მინისტრი: რუსეთთან ურთიერთობის აღდგენაზე მოლაპარაკებები არ მიმდინარეობს",
        body_start="საქართველოს საგარეო საქმეთა მინისტრის განცხადებით",
        body_end="მთავარ დაბრკოლებად კვლავ ოკუპაცია რჩება.",
        published=utc(2026, 11, 20, 16, 40),
        author="სამოქალაქო საქართველო", tags=["რუსეთი"], language="ka",
        canonical="https://civil.ge/ka/archives/750303",
        absent=("ასევე წაიკითხეთ", "კრემლი", "წაიკითხეთ შემდეგი", "აქციას"),
    ),
    Expected(
        "mid_ru", "mid_ru_article.html", "https://mid.ru/ru/foreign_policy/news/2001122/",
        title="О контактах с грузинской стороной",
        body_start="СООБЩЕНИЕ ДЛЯ СМИ\n\n20 ноября в Москве состоялась встреча",
        body_end="к которому готов Тбилиси.",
        published=utc(2026, 11, 20, 11, 5),  # 14:05 Moscow time, printed without a zone
        author="", tags=[], language="ru",
        absent=("2211-20-11-2026", "Поделиться", "Печать", "© 2026", "\n\n\n"),
    ),
    Expected(
        "mid_en", "mid_en_article.html", "https://mid.ru/en/foreign_policy/news/2001130/",
        title="Press release on contacts with the Georgian side",
        body_start="PRESS RELEASE\n\nOn November 20, Deputy Foreign Minister",
        body_end="normalise relations at the pace Tbilisi is ready for.",
        published=utc(2026, 11, 21, 6, 30),  # 09:30 Moscow time
        author="", tags=[], language="en",
        absent=("2214-21-11-2026", "News"),
    ),
    Expected(
        "mfa_ge_en", "mfa_ge_article.html",
        "https://mfa.gov.ge/en/news/12345-deputy-foreign-minister-meets-the-ambassador-of-switzerland",
        title="Deputy Foreign Minister meets the Ambassador of the Swiss Confederation",
        body_start="On 20 November 2026, the Deputy Minister of Foreign Affairs of Georgia",
        body_end="sovereignty and territorial integrity.",
        published=utc(2026, 11, 19, 20, 0),  # a date only: midnight in Tbilisi
        author="", tags=[], language="en",
        canonical="https://mfa.gov.ge/en/news/12345-deputy-foreign-minister-meets-the-ambassador-of-switzerland",
        absent=("Share", "Home", "©"),
    ),
]


@pytest.fixture(params=CASES, ids=[c.fixture.removesuffix(".html") for c in CASES])
def case(request: pytest.FixtureRequest) -> Expected:
    return request.param  # type: ignore[no-any-return]


def _extract(case: Expected, rules) -> ExtractedPage:  # type: ignore[no-untyped-def]
    source_rules: ExtractConfig = rules(case.source)
    return extract_page(page(case.fixture), case.url, source_rules, language_hint="")


def test_title_and_body(case: Expected, rules) -> None:  # type: ignore[no-untyped-def]
    result = _extract(case, rules)
    assert result.method == case.method
    assert result.title == case.title
    assert result.body.startswith(case.body_start)
    assert result.body.endswith(case.body_end)
    for junk in case.absent:
        assert junk not in result.body, junk


def test_metadata(case: Expected, rules) -> None:  # type: ignore[no-untyped-def]
    result = _extract(case, rules)
    assert result.published == case.published
    assert result.author == case.author
    assert result.tags == case.tags
    assert result.language == case.language
    assert result.lead == case.lead
    assert result.canonical_url == case.canonical


def test_body_paragraphs_are_clean(case: Expected, rules) -> None:  # type: ignore[no-untyped-def]
    paragraphs = _extract(case, rules).body.split("\n\n")
    assert len(paragraphs) >= 2
    for paragraph in paragraphs:
        assert paragraph == paragraph.strip()
        assert paragraph, "empty paragraph"
        assert "\xa0" not in paragraph and "  " not in paragraph and "\n" not in paragraph
        assert "<" not in paragraph and "&nbsp;" not in paragraph


def test_extraction_is_deterministic(case: Expected, rules) -> None:  # type: ignore[no-untyped-def]
    assert _extract(case, rules) == _extract(case, rules)


def test_mid_ru_sample_shape(rules) -> None:  # type: ignore[no-untyped-def]
    """The rendered page from the real site carries the site's own JavaScript spans
    (``masha_index``) inside the date and title; they must not break the date."""
    tag = '<span class="photo-content__date">'
    html = page("mid_ru_article.html").replace(tag, tag + '<span class="masha_index"></span>')
    result = extract_page(html, "https://mid.ru/ru/foreign_policy/news/2001122/", rules("mid_ru"))
    assert result.published == utc(2026, 11, 20, 11, 5)


def test_mid_date_without_time_is_moscow_midnight(rules) -> None:  # type: ignore[no-untyped-def]
    html = page("mid_ru_article.html").replace('<span class="photo-content__time">14:05</span>', "")
    result = extract_page(html, "https://mid.ru/ru/foreign_policy/news/2001122/", rules("mid_ru"))
    assert result.published == utc(2026, 11, 19, 21, 0)


def test_sputnik_drop_removes_embedded_article_even_when_selected(rules) -> None:  # type: ignore[no-untyped-def]
    """With a body selector broad enough to reach the embedded block, ``drop`` keeps it out."""
    broad = rules("sputnik_ge_ru").model_copy(update={"body": ["div.article__body .article__text"]})
    html, url = page("sputnik_georgia_ru_article.html"), "https://sputnik-georgia.ru/x.html"
    result = extract_page(html, url, broad)
    assert "Аэропорт Кутаиси" not in result.body
    undropped = broad.model_copy(update={"drop": []})
    result = extract_page(html, url, undropped)
    assert "Аэропорт Кутаиси" in result.body  # the fixture really has the trap


def test_also_read_heading_and_its_dated_list_go_even_without_drop_rules(rules) -> None:  # type: ignore[no-untyped-def]
    undropped = rules("civil_en").model_copy(update={"drop": []})
    result = extract_page(page("civil_en_article.html"), "https://civil.ge/archives/750101", undropped)
    assert "Also Read" not in result.body
    assert "Kremlin Says Moscow Ready for Normalization" not in result.body
    assert result.body.endswith("recognized the independence of the two breakaway regions.")


def test_tass_byline_is_author_not_body(rules) -> None:  # type: ignore[no-untyped-def]
    result = extract_page(page("tass_ru_article.html"), "https://tass.ru/politika/26543210", rules("tass_ru"))
    assert result.author == "Анна Смирнова"
    assert not result.body.endswith("Смирнова")

"""Feed entries in the shapes real feeds take beyond our sites' own: stray ampersands,
escaped and double-escaped HTML, bylines, filler descriptions, charsets declared wrongly,
PHP warnings before the XML, link and author forms, and dates in every zone spelling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.feeds import decode_body, parse_feed
from tests.extract.conftest import feed

RSS = {"content-type": "application/rss+xml; charset=utf-8"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _rss(items: str, namespaces: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {namespaces}><channel><title>T</title>'
            f"{items}</channel></rss>").encode()


YANDEX_NS = 'xmlns:yandex="http://news.yandex.ru"'
WP_NS = 'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"'


def test_stray_ampersands_keep_the_strict_parser() -> None:
    body = _rss("<item><title>AT&T and R&D&nbsp;news &bogus;</title>"
                "<link><![CDATA[https://tass.com/1?a=1&b=2]]></link><description>Q&A</description>"
                "<pubDate>Fri, 20 Nov 2026 14:05:00 +0300</pubDate></item>")
    result = parse_feed(body, RSS, "https://tass.com/rss/v2.xml")
    assert result.detail == ""  # not "malformed": feedparser's loose parser was not needed
    entry = result.entries[0]
    assert (entry.title, entry.summary, entry.link) == ("AT&T and R&D news &bogus;", "Q&A",
                                                        "https://tass.com/1?a=1&b=2")
    assert entry.published == utc(2026, 11, 20, 11, 5)


def test_truncated_full_text_feed_leaks_no_markup() -> None:
    """A feed cut short goes to the loose parser, which returns CDATA HTML escaped."""
    body = feed("tass_ru_yandex.xml").replace("Галузин:".encode(), "R&D Галузин:".encode())
    body = body[: body.index("<title>Песков".encode())]
    result = parse_feed(body, RSS, "https://tass.ru/rss/yandex.xml")
    assert "malformed" in result.detail
    entry = result.entries[0]
    assert entry.title == "R&D Галузин: Россия готова к восстановлению дипотношений с Грузией"
    assert entry.content == (
        "МОСКВА, 20 ноября. /ТАСС/. Россия готова восстановить дипломатические отношения с Грузией, "
        "как только к этому будет готов Тбилиси. Об этом заявил ТАСС заместитель министра иностранных "
        "дел РФ Михаил Галузин.\n\n"
        '"Мы открыты к нормализации отношений настолько, насколько к этому готова грузинская сторона", '
        "- сказал дипломат.")
    assert entry.author == "Анна Смирнова"


def test_double_escaped_html_and_tags_are_unescaped() -> None:
    body = _rss("<item><title>t</title><link>https://tass.com/1</link>"
                "<description>&amp;lt;p&amp;gt;Lead&amp;lt;/p&amp;gt;</description>"
                "<category>Science &amp;amp; Space</category><category>Politics</category>"
                "<category><![CDATA[Politics]]></category></item>")
    entry = parse_feed(body, RSS, "https://tass.com/rss/v2.xml").entries[0]
    assert entry.summary == "Lead"
    assert entry.tags == ["Science & Space", "Politics"]


@pytest.mark.parametrize(("last", "author", "content"), [
    ("<p><em><strong>Иван Петров</strong></em></p>", "Иван Петров", "Текст."),
    ("<p><em><strong>И. Петров</strong></em></p>", "И. Петров", "Текст."),
    ("<p><em><strong>Это важно.</strong></em></p>", "", "Текст.\n\nЭто важно."),  # a sentence
    ("<p><strong>Иван Петров</strong></p>", "", "Текст.\n\nИван Петров"),  # not the TASS shape
])
def test_tass_byline_under_any_prefix(last: str, author: str, content: str) -> None:
    body = _rss(f"<item><title>t</title><link>https://tass.ru/1</link>"
                f"<ya:full-text><![CDATA[<p>Текст.</p>{last}]]></ya:full-text></item>",
                'xmlns:ya="http://news.yandex.ru"')
    entry = parse_feed(body, RSS, "https://tass.ru/rss/yandex.xml").entries[0]
    assert (entry.author, entry.content) == (author, content)


def test_tass_byline_does_not_replace_the_feeds_author() -> None:
    body = _rss("<item><title>t</title><link>https://tass.ru/1</link><author>Редакция</author>"
                "<yandex:full-text><![CDATA[<p>Текст.</p><p><em><strong>Анна Смирнова</strong></em></p>]]>"
                "</yandex:full-text></item>", YANDEX_NS)
    entry = parse_feed(body, RSS, "https://tass.ru/rss/yandex.xml").entries[0]
    assert (entry.author, entry.content) == ("Редакция", "Текст.")


@pytest.mark.parametrize("description", [
    "<![CDATA[[&#8230;]]]>", "[…]", "…", "[...]", "&lt;p&gt;[&amp;hellip;]&lt;/p&gt;",
    '<![CDATA[<a href="https://civil.ge/ru/archives/1">Читать далее</a>]]>',
    '<![CDATA[<a href="https://civil.ge/archives/1" class="more-link">Continue reading &rarr;</a>]]>',
    "<![CDATA[<p><a href='x'>Read more</a></p>]]>", "Подробнее...", "ვრცლად »",
])
def test_filler_description_is_no_summary(description: str) -> None:
    body = _rss(f"<item><title>t</title><link>https://civil.ge/archives/1</link>"
                f"<description>{description}</description></item>")
    assert parse_feed(body, RSS, "https://civil.ge/feed").entries[0].summary == ""


def test_wordpress_excerpt_ellipsis_read_more_and_yoast_footer_removed() -> None:
    footer = ('<p>The post <a href="https://civil.ge/archives/1">Georgia&#8217;s FM: '
              '&#8220;No talks&#8221;</a> appeared first on <a href="https://civil.ge">Civil.ge</a>.</p>')
    body = _rss("<item><title>t</title><link>https://civil.ge/archives/1</link>"
                f"<description><![CDATA[<p>No talks with Moscow&#8230; [&#8230;]</p>{footer}]]></description>"
                f"<content:encoded><![CDATA[<p>No talks with Moscow, the minister said.</p>{footer}]]>"
                "</content:encoded></item>"
                "<item><title>t2</title><link>https://civil.ge/archives/2</link>"
                "<description><![CDATA[<p>Budget adopted&#8230; <a href='x'>Read more</a></p>]]>"
                "</description></item>",
                WP_NS)
    first, second = parse_feed(body, RSS, "https://civil.ge/feed").entries
    assert first.summary == "No talks with Moscow…"
    assert first.content == "No talks with Moscow, the minister said."
    assert second.summary == "Budget adopted…"


TITLE = "Лавров провел переговоры с коллегой"


@pytest.mark.parametrize(("declaration", "headers"), [
    ('<?xml version="1.0" encoding="windows-1251"?>', {"content-type": "text/xml"}),
    ('<?xml version="1.0" encoding="utf-8"?>', {"content-type": "text/xml; charset=windows-1251"}),
    ('<?xml version="1.0" encoding="koi8-r"?>', {}),
    ('<?xml version="1.0"?>', {"content-type": "text/xml; charset=ISO-8859-1"}),
])
def test_utf8_wins_over_a_declared_single_byte_charset(declaration: str, headers: dict[str, str]) -> None:
    body = (f'{declaration}<rss version="2.0"><channel><title>Спутник</title><item><title>{TITLE}</title>'
            "<link>https://sputnik-georgia.ru/1.html</link></item></channel></rss>").encode()
    assert decode_body(body, headers)[1] == "utf-8"
    assert parse_feed(body, headers, "https://sputnik-georgia.ru/rss").entries[0].title == TITLE


@pytest.mark.parametrize(("body", "content_type"), [
    ('<html><head><title>Проверка</title></head><body><h1>Обработка данных... Пожалуйста, подождите.</h1>'
     '<form id="f" method="post"></form><script>document.getElementById("f").submit();</script>'
     "</body></html>",
     "text/xml"),
    ('window.location.replace("https://tass.ru/rss/v2.xml?__sw=1");', "text/html"),
    ("var t = 1; location.href = '/rss/v2.xml?t=' + t;", ""),
])
def test_russian_and_script_only_challenges(body: str, content_type: str) -> None:
    result = parse_feed(body.encode(), {"content-type": content_type}, "https://mid.ru/ru/rss.php")
    assert result.status == "challenge"


def test_php_warnings_before_a_wordpress_feed_are_dropped() -> None:
    body = (b"<br />\n<b>Warning</b>:  Cannot modify header information - headers already sent in "
            b"<b>/var/www/wp-includes/feed-rss2.php</b> on line <b>12</b><br />\n"
            b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Civil.ge</title>'
            b"<item><title>A</title><link>https://civil.ge/archives/1</link></item></channel></rss>")
    result = parse_feed(body, {"content-type": "application/rss+xml; charset=UTF-8"}, "https://civil.ge/feed")
    assert (result.status, result.detail, result.title) == ("ok", "", "Civil.ge")
    assert [(e.title, e.link) for e in result.entries] == [("A", "https://civil.ge/archives/1")]


def test_an_html_page_mentioning_a_feed_root_is_still_a_page() -> None:
    body = (b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Use <rss> readers</p>"
            b"</body></html>")
    result = parse_feed(body, {"content-type": "text/html"}, "https://civil.ge/feed")
    assert (result.status, result.detail) == ("not-a-feed", "HTML page ('Home') where a feed was expected")


def test_content_encoded_without_text_falls_through_to_full_text() -> None:
    body = _rss('<item><title>t</title><link>https://tass.ru/1</link><description>Lead text</description>'
                '<content:encoded><![CDATA[<img src="https://x.test/1.jpg"/>]]></content:encoded>'
                "<yandex:full-text><![CDATA[<p>Full text.</p>]]></yandex:full-text></item>",
                f"{WP_NS} {YANDEX_NS}")
    entry = parse_feed(body, RSS, "https://tass.ru/rss/yandex.xml").entries[0]
    assert (entry.summary, entry.content) == ("Lead text", "Full text.")


@pytest.mark.parametrize(("link", "feed_url", "expected"), [
    ("HTTP://TASS.COM/politics/1#comments", "https://tass.com/rss/v2.xml", "http://tass.com/politics/1#comments"),
    ("http:///ru/foreign_policy/news/1980001/", "https://mid.ru/ru/rss.php",
     "https://mid.ru/ru/foreign_policy/news/1980001/"),
    ("tass.ru/politika/1", "https://tass.ru/rss/v2.xml", "https://tass.ru/politika/1"),
    ("www.tass.ru/politika/1", "https://tass.ru/rss/v2.xml", "https://www.tass.ru/politika/1"),
    ("politika/1", "https://tass.ru/rss/v2.xml", "https://tass.ru/rss/politika/1"),  # a relative path
    ("<![CDATA[\n  https://civil.ge/archives/75 0101\n]]>", "https://civil.ge/feed",
     "https://civil.ge/archives/750101"),
])
def test_link_forms(link: str, feed_url: str, expected: str) -> None:
    body = _rss(f"<item><title>t</title><link>{link}</link></item>")
    assert parse_feed(body, RSS, feed_url).entries[0].link == expected


def test_a_link_that_urllib_refuses_is_no_link_not_a_crash() -> None:
    body = _rss("<item><title>t</title><link>ftp:////y[x]/1</link></item>"
                "<item><title>u</title><link>https://tass.com/2</link></item>")
    result = parse_feed(body, RSS, "https://tass.com/rss/v2.xml")
    assert [e.link for e in result.entries] == ["https://tass.com/2"]
    assert "1 entries without a link skipped" in result.detail


def test_authors() -> None:
    body = _rss("<item><title>t</title><link>https://tass.com/1</link>"
                "<author>news@tass.com (Ivan Petrov)</author></item><item><title>t</title><link>https://tass.com/2</link>"
                "<dc:creator>Anna A</dc:creator><dc:creator>Boris B</dc:creator></item>"
                "<item><title>t</title><link>https://tass.com/3</link><author>news@tass.com</author></item>"
                "<item><title>t</title><link>https://tass.com/4</link>"
                "<dc:creator>Ivan Petrov &lt;news@tass.com&gt;</dc:creator></item>", WP_NS)
    result = parse_feed(body, RSS, "https://tass.com/rss/v2.xml")
    assert [e.author for e in result.entries] == ["Ivan Petrov", "Anna A, Boris B", "", "Ivan Petrov"]


def test_atom_authors_all_named() -> None:
    body = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry>'
            b'<title>a</title><link href="https://civil.ge/ka/archives/1"/><id>x</id>'
            b"<author><name>Ana</name></author><author><name>Giorgi</name><email>g@civil.ge</email></author>"
            b"</entry></feed>")
    result = parse_feed(body, {"content-type": "application/atom+xml"}, "https://civil.ge/ka/feed/atom")
    assert result.entries[0].author == "Ana, Giorgi"


@pytest.mark.parametrize(("value", "expected"), [
    ("Thu, 01 Jan 1970 00:00:00 +0000", None),  # the Unix epoch: a CMS's empty date
    ("Sat, 31 Dec 1988 12:00:00 GMT", None),
    ("Fri, 20 Nov 2026 14:05:00 UTC+3", utc(2026, 11, 20, 11, 5)),
    ("Fri, 20 Nov 2026 18:05:00 GMT+4", utc(2026, 11, 20, 14, 5)),
    ("Fri, 20 Nov 2026 18:05:00 GMT+04:00", utc(2026, 11, 20, 14, 5)),
    ("Fri,20 Nov 2026 14:05:00 +0300", utc(2026, 11, 20, 11, 5)),
    ("2026-11-20 14:05:00 MSK", utc(2026, 11, 20, 11, 5)),
    ("20 ноября 2026, 14:05 MSK", utc(2026, 11, 20, 11, 5)),
    ("20 ноября 2026, 14:05 UTC+3", utc(2026, 11, 20, 11, 5)),
    ("Friday, November 20, 2026 14:05:00 +0300", utc(2026, 11, 20, 11, 5)),
    ("Fri, 20 Nov 2026 14:05:00 +0400 GET", utc(2026, 11, 20, 10, 5)),  # feedparser's reading, checked
])
def test_feed_dates(value: str, expected: datetime | None) -> None:
    body = _rss(f"<item><title>t</title><link>https://tass.com/1</link><pubDate>{value}</pubDate></item>")
    assert parse_feed(body, RSS, "https://tass.com/rss/v2.xml").entries[0].published == expected


def test_a_date_without_a_zone_is_read_in_the_sources_zone() -> None:
    body = _rss("<item><title>Заявление</title><link>https://mid.ru/ru/news/1/</link>"
                "<pubDate>Fri, 20 Nov 2026 14:05:00</pubDate></item>")
    moscow = parse_feed(body, RSS, "https://mid.ru/ru/rss.php", "Europe/Moscow")
    assert moscow.entries[0].published == utc(2026, 11, 20, 11, 5)
    assert parse_feed(body, RSS, "https://mid.ru/ru/rss.php").entries[0].published == \
        utc(2026, 11, 20, 14, 5)  # no zone known: UTC


def test_bidi_overrides_and_control_characters_never_reach_the_text() -> None:
    body = _rss("<item><title>Lavrov \u202egnorw\u202c \x1b[31mred\x1b[0m \u2066x\u2069</title>"
                "<link>https://tass.com/politics/1</link><description>a\x07b c</description></item>")
    entry = parse_feed(body, RSS, "https://tass.com/rss/v2.xml").entries[0]
    assert entry.title == "Lavrov gnorw [31mred[0m x"
    assert entry.summary == "ab c"  # the bell is nothing


def test_a_broken_feed_whose_items_lost_their_links_is_a_parse_error() -> None:
    body = _rss("<item><title>Lavrov</titl><link>https://tass.com/politics/1</link></item>")
    result = parse_feed(body, RSS, "https://tass.com/rss/v2.xml")
    assert result.status == "parse-error" and "malformed feed" in result.detail

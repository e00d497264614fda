"""crawler.rss_fast: parse_feed gives the same result whether the lxml fast path or
feedparser read a document; what the fast path declines; and that it stays safe."""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import itertools
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler import feeds
from crawler.feeds import ParsedFeed, clean_xml, decode_body, parse_feed
from crawler.rss_fast import parse_rss
from tests.extract import test_feed_entries, test_feeds
from tests.extract.conftest import ROOT

RSS = {"content-type": "application/rss+xml; charset=utf-8"}
SAMPLES = ROOT.parent / "shared" / "samples"
FIXTURES = ROOT / "tests" / "fixtures"
NS = {
    "content": "http://purl.org/rss/1.0/modules/content/", "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/", "yandex": "http://news.yandex.ru",
    "atom": "http://www.w3.org/2005/Atom", "slash": "http://purl.org/rss/1.0/modules/slash/",
    "wfw": "http://wellformedweb.org/CommentAPI/", "rian": "http://rian.ru/",
}
DECLARED = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())

Call = tuple[tuple[Any, ...], dict[str, Any]]  # parse_feed's arguments


def both(args: tuple[Any, ...], kwargs: dict[str, Any],
         monkeypatch: pytest.MonkeyPatch) -> tuple[ParsedFeed, ParsedFeed, bool]:
    """parse_feed with the fast path, without it, and whether the fast path took the document."""
    taken: list[bool] = []

    def counting(data: bytes) -> Any:
        result = parse_rss(data)
        taken.append(result is not None)
        return result

    with monkeypatch.context() as patch:
        patch.setattr(feeds, "parse_rss", counting)
        fast = parse_feed(*args, **kwargs)
        patch.setattr(feeds, "parse_rss", lambda data: None)
        slow = parse_feed(*args, **kwargs)
    return fast, slow, any(taken)


def check_all(calls: list[tuple[str, Call]], monkeypatch: pytest.MonkeyPatch) -> int:
    """Every document agrees; returns how many the fast path took."""
    taken = 0
    for name, (args, kwargs) in calls:
        fast, slow, took = both(args, kwargs, monkeypatch)
        assert fast == slow, name
        taken += took
    return taken


def rss(items: str, channel: str = "<title>Feed</title>", attrs: str = DECLARED) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" {attrs}><channel>{channel}'
            f"{items}</channel></rss>").encode()


def item(body: str, link: str = "<link>https://civil.ge/archives/1</link>") -> str:
    return f"<item>{link}{body}</item>"


# -- tricky documents: (name, body, fast path expected to take it) -----------------------------

TASS_FULL = ("<yandex:full-text><![CDATA[<p>МОСКВА, 20 ноября. /ТАСС/. Текст.</p>"
             "<p><em><strong>Анна Смирнова</strong></em></p>]]></yandex:full-text>")
TRICKY: list[tuple[str, bytes, bool]] = [
    ("en CDATA HTML", rss(item("<title>\n  <![CDATA[ Lavrov <b>on</b> Georgia ]]>\n</title>"
                               "<description><![CDATA[<p>Talks in <a href='/x'>Geneva</a>.</p><p>Two.</p>]]>"
                               "</description>")), True),
    ("ru entities", rss(item("<title>Лавров:&#160;&#171;нет&#187; &amp; &lt;да&gt; &quot;ок&quot;</title>"
                             "<description>a&mdash;b &nbsp;R&D &bogus;</description>")), True),
    ("ka no description", rss(item("<title>საქართველო და რუსეთი: ახალი რაუნდი</title>")), True),
    ("no guid", rss(item("<title>t</title><pubDate>Fri, 20 Nov 2026 14:05:00 +0400</pubDate>")), True),
    ("guid not permalink", rss(item('<guid isPermaLink="false">  civil-750101 </guid>')), True),
    ("guid not permalink, no link", rss(item('<guid isPermaLink="false">1</guid>', "")), True),
    ("guid URL, no link", rss(item("<title>t</title><guid> https://tass.ru/politika/1 </guid>", "")), True),
    ("guid not a URL, no link", rss(item("<title>t</title><guid>tass-26543210</guid>", "")), True),
    ("guid isPermaLink=True", rss(item('<guid isPermaLink="True">https://tass.ru/2</guid>', "")), True),
    ("guid before link", rss(item("<guid>https://x.ge/guid</guid><link>https://x.ge/link</link>", "")), True),
    ("relative guid", rss(item("<guid>/ru/news/1/</guid>", "")), True),
    ("relative guid, isPermaLink=True", rss(item('<guid isPermaLink="True">/ru/news/2/</guid>', "")), True),
    ("guid repaired as a URL", rss(item("<guid>ftp:////files.x.ge/1</guid>")), True),
    ("two dc:creator", rss(item("<dc:creator>Anna A</dc:creator>"
                                "<dc:creator><![CDATA[ Boris B ]]></dc:creator>")), True),
    ("authors with e-mail", rss(item("<author>news@tass.ru (Иван Петров)</author>")
                                + item("<author>Ivan Petrov &lt;ivan@civil.ge&gt;</author>")
                                + item("<author>news@tass.com</author><dc:creator>ნინო</dc:creator>")
                                + item("<author></author><author>  </author>")), True),
    ("authors feedparser splits", rss(item("<author>Редакция ТАСС, news@tass.ru</author>")
                                      + item("<author>Nino &lt;nino@example.travel&gt;</author>")
                                      + item("<author>(news@tass.ru)</author>")
                                      + item("<dc:creator>mailto:x@y.ge (X)</dc:creator>")), True),
    ("categories", rss(item('<category domain="https://tass.ru/politika">Политика</category><category/>'
                            '<category domain="d"></category><category>Georgia</category><category>Georgia'
                            '</category><category domain="">x</category><dc:subject>Science &amp;amp; Space'
                            "</dc:subject>")), True),
    ("pubDate missing", rss(item("<title>t</title><description>d</description>")), True),
    ("pubDate 2099", rss(item("<pubDate>Fri, 20 Nov 2099 14:05:00 +0300</pubDate>")), True),
    ("pubDate MSK", rss(item("<pubDate>20 Nov 2026 14:05 MSK</pubDate>")), True),
    ("pubDate GMT+4", rss(item("<pubDate>Fri, 20 Nov 2026 18:05:00 GMT+4</pubDate>")), True),
    ("pubDate without zone", rss(item("<pubDate>Fri, 20 Nov 2026 14:05:00</pubDate>")), True),
    ("feedparser-only dates", rss(item("<pubDate>Fri Nov 20 14:05:00 2026</pubDate>")
                                  + item("<pubDate>2026-11-20 14:05:00 +0300 (MSK)</pubDate>")
                                  + item("<pubDate>вчера</pubDate><dc:date>2026/11/20 14:05</dc:date>")
                                  + item("<pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate>")
                                  + item("<dc:date>2026-11-20T14:05:00+04:00</dc:date><pubDate/>")), True),
    ("empty titles", rss(item("<title></title>") + item("<title/>") + item("<title> \n </title>")), True),
    ("whitespace around link", rss(item("", "<link>\n   https://civil.ge/ka/archives/1   \n</link>") + item(
        "", "<link><![CDATA[\n  https://civil.ge/archives/75 0101\n]]></link>")), True),
    ("TASS full text", rss(item(f"<title>Песков</title><description>Лид</description>{TASS_FULL}")), True),
    ("content:encoded only an image", rss(item(
        '<description>Lead text</description><content:encoded><![CDATA[<img src="https://x.test/1.jpg"/>]]>'
        "</content:encoded><yandex:full-text><![CDATA[<p>Full text.</p>]]></yandex:full-text>")), True),
    ("escaped HTML description", rss(item("<description>&lt;p&gt;Lead &amp;amp; more&lt;/p&gt;&lt;script&gt;"
                                          "x()&lt;/script&gt;</description>")), True),
    ("content before description", rss(item("<content:encoded><![CDATA[<p>Full.</p>]]></content:encoded>"
                                            "<description>Lead</description>")), True),
    ("content only, an excerpt", rss(item(
        "<content:encoded><![CDATA[<p>Budget adopted&#8230; [&#8230;]</p>]]></content:encoded>")), True),
    ("content only", rss(item("<content:encoded><![CDATA[<p>Only full.</p>]]></content:encoded>"
                              "<content:encoded>Second</content:encoded>")), True),
    ("links: last empty", rss(item("", "<link>https://x.ge/1</link><link></link>")), True),
    ("link quirks", rss(item("", "<link>https://x.ge/?a=1&amp;amp;b=2&amp;c;=3</link>")
                        + item("", "<link>http:////x.ge/a</link>")
                        + item("", "<link>/news/1/</link>")), True),
    ("UTF-8 read as Latin-1", rss(item("<title>CafÃ© Tbilisi</title><description>Ð\x9fÑ\x80Ð¸</description>"),
                                  "<title> CafÃ© </title>"), True),
    ("C1 controls", rss(item("<title>a &#150; b&#133;</title>"), "<title>&#147;Feed&#148;</title>"), True),
    ("nbsp around title", rss(item("<title>&#160;Тбилиси&#160;\u2028</title>")), True),
    ("ignored extras", rss(item(
        "<comments>https://x.ge/1#c</comments><slash:comments>3</slash:comments>"
        "<wfw:commentRss>https://x.ge/1/feed</wfw:commentRss><rian:type>article</rian:type>"
        '<enclosure url="https://x.ge/1.jpg" type="image/jpeg"/><source url="https://s.ge/">S</source>'
        '<media:group><media:content url="https://x.ge/v.mp4"/><media:thumbnail url="https://x.ge/t.jpg"/>'
        "</media:group><pdalink>https://m.x.ge/1</pdalink><yandex:genre>message</yandex:genre>"
        "<rian:priority>1</rian:priority>")), True),
    ("comments inside a title", rss(item("<title>a<!-- x -->b<?php echo 1 ?>c</title>")), True),
    ("stylesheet PI and comment", b'<?xml version="1.0"?><?xml-stylesheet href="s.xsl"?><!-- c -->'
                                  + rss(item("<title>t</title>")).split(b"?>", 1)[1], True),
    ("dc under another prefix", rss(item("<d:creator>Ana</d:creator>"),
                                    attrs='xmlns:d="http://purl.org/dc/elements/1.1/"'), True),
    ("full text with an attribute", rss(item('<yandex:full-text type="html">Text</yandex:full-text>')), True),
    ("channel image and extras", rss(item("<title>t</title>"), (
        '<image><url>u</url><title>Logo</title><link>l</link></image><title> ТАСС </title>'
        '<atom:link href="x" rel="self"/><language>ru</language><yandex:logo type="square">u</yandex:logo>')),
     True),
    ("no channel title", rss(item("<title>t</title>"), "<description>d</description>"), True),
    ("no items", rss("", "<title>Quiet</title>"), True),
    ("items without links", rss(item("<title>a</title>", "") + item("<title>b</title>", "")), True),
    ("RSS 0.91", rss(item("<title>t</title>")).replace(b'version="2.0"', b'version="0.91"'), True),
    ("no version", rss(item("<title>t</title>")).replace(b'version="2.0"', b""), True),
    # Anything feedparser reads its own way goes to feedparser.
    ("atom:link in an item", rss(item('<atom:link href="https://x.ge/2" rel="alternate"/>', "")), False),
    ("xml:base", rss(item("<title>t</title>", "<link>a/1</link>")).replace(
        b"<channel>", b'<channel xml:base="https://x.ge/news/">'), False),
    ("base on a channel element", rss(item("", "<link>a/1</link>"), '<image base="https://x.ge/"/>'), False),
    ("type= on description", rss(item('<description type="text">&lt;b&gt;x&lt;/b&gt;</description>')), False),
    ("XHTML in description", rss(item("<description><p>Unescaped <b>markup</b></p></description>")), False),
    ("two descriptions", rss(item("<description>a</description><description>b</description>")), False),
    ("two titles", rss(item("<title></title><title>b</title>")), False),
    ("two full texts", rss(item("<yandex:full-text>a</yandex:full-text>"
                                "<x:fulltext xmlns:x='u'>b</x:fulltext>")), False),
    ("media:title", rss(item("<media:title>Video</media:title>")), False),
    ("item image", rss(item("<image>https://x.ge/1.jpg</image>")), False),
    ("unknown element with a read name", rss(item("<rian:title>x</rian:title>")), False),
    ("wrong dc namespace", rss(item("<dc:creator>Ana</dc:creator>"),
                               attrs='xmlns:dc="http://purl.org/dc/elements/1.1"'), False),
    ("channel dc:title", rss(item("<title>t</title>"), "<title>A</title><dc:title>B</dc:title>"), False),
    ("textInput", rss(item("<title>t</title>"), "<textInput><title>B</title></textInput>"), False),
    ("Georgian element name", rss(item("<ქ:სათაური xmlns:ქ='urn:ka'>x</ქ:სათაური>")), False),
    ("Atom", test_feeds.feed("atom.xml"), False),
    ("RDF", test_feeds.feed("rdf.xml"), False),
    ("malformed", rss(item("<title>Lavrov</titl>")), False),
    ("truncated", rss(item("<title>t</title>") * 3)[:-40], False),
    ("items outside the channel", rss(item("<title>t</title>")).replace(b"</channel></rss>",
                                                                       b"</channel><item><title>x</title></item></rss>"),
     False),
]


@pytest.mark.parametrize(("name", "body", "fast"), TRICKY, ids=[name for name, _, _ in TRICKY])
@pytest.mark.parametrize("timezone", ["UTC", "Europe/Moscow"])
def test_tricky_documents(name: str, body: bytes, fast: bool, timezone: str,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    for headers in (RSS, {}, {"content-type": "text/xml; charset=windows-1251"}):
        result, expected, took = both((body, headers, "https://civil.ge/feed", timezone), {}, monkeypatch)
        assert result == expected
        assert took == fast


def test_cp1251_body_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    body = rss(item("<title>Лавров провел переговоры</title>"), attrs="").replace(b"utf-8", b"windows-1251")
    body = body.decode().encode("cp1251")
    result, expected, took = both((body, {}, "https://sputnik-georgia.ru/rss"), {}, monkeypatch)
    assert result == expected and took and result.entries[0].title == "Лавров провел переговоры"


# -- every feed the project has: fixtures, shared samples, the other tests' documents, the bench -----

def _headers(path: Path) -> dict[str, str]:
    sidecar = path.with_name(path.name + ".headers")
    if not sidecar.exists():
        return RSS
    lines = sidecar.read_text("utf-8").splitlines()[1:]
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def fixture_calls() -> list[tuple[str, Call]]:
    paths = sorted(path for path in FIXTURES.rglob("*") if path.is_file() and (
        path.suffix in (".xml", ".php") or path.name == "feed" or path.parent.name == "feeds"))
    if SAMPLES.is_dir():
        paths += sorted(SAMPLES.glob("*.xml"))
    return [(str(path), ((path.read_bytes(), _headers(path), f"https://{path.parent.name}/feed"), {}))
            for path in paths]


def test_fixture_and_sample_feeds(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fixture_calls()
    assert len(calls) >= 25
    assert check_all(calls, monkeypatch) >= 15


def _test_calls(module: Any) -> Iterator[Callable[[], object]]:
    """Each case of each (non-Hypothesis) test function in ``module``, parameters filled in."""
    for name, function in sorted(vars(module).items()):
        if not name.startswith("test_") or not callable(function) or hasattr(function, "hypothesis"):
            continue
        grids = []
        for mark in getattr(function, "pytestmark", []):
            if mark.name == "parametrize":
                names = mark.args[0].split(",") if isinstance(mark.args[0], str) else mark.args[0]
                rows = [getattr(row, "values", row) for row in mark.args[1]]
                grids.append([dict(zip(names, row if len(names) > 1 else (row,), strict=True))
                              for row in rows])
        for combination in itertools.product(*grids):
            yield functools.partial(function, **{k: v for case in combination for k, v in case.items()})


@functools.cache
def recorded_calls() -> list[tuple[str, Call]]:
    """Whatever test_feeds.py and test_feed_entries.py hand to parse_feed, recorded."""
    calls: list[Call] = []

    def record(*args: Any, **kwargs: Any) -> ParsedFeed:
        calls.append((args, kwargs))
        return parse_feed(*args, **kwargs)

    for module in (test_feeds, test_feed_entries):
        module.parse_feed = record  # type: ignore[attr-defined]
        try:
            for run in _test_calls(module):
                with contextlib.suppress(pytest.skip.Exception):
                    run()
        finally:
            module.parse_feed = parse_feed  # type: ignore[attr-defined]
    return [(repr(args)[:120], (args, kwargs)) for args, kwargs in calls]


def test_documents_of_the_other_feed_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = recorded_calls()
    assert len(calls) >= 80
    assert check_all(calls, monkeypatch) >= 50


def bench_feeds(count: int, items: int) -> list[bytes]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        bench = importlib.import_module("bench_ingest")
    finally:
        sys.path.remove(str(ROOT / "bench"))
    rng = random.Random(7)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 10)))
                  for _ in range(20_000)]
    return [bench.make_feed(i, items, rng, vocabulary) for i in range(count)]


def test_bench_feeds(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Call]] = [(f"bench {i}", ((body, RSS, f"https://news{i}.example.ge/rss"), {}))
                                     for i, body in enumerate(bench_feeds(4, 30))]
    assert check_all(calls, monkeypatch) == len(calls)


def shape(entry: Any) -> dict[str, Any]:
    """What feed_entry can see of an entry dict, in comparable form."""
    def get(key: str) -> Any:
        return dict.get(entry, key)

    return {
        **{key: get(key) for key in ("link", "id", "title", "summary", "published", "updated", "author")},
        **{key: tuple(get(key)) if get(key) else None for key in ("published_parsed", "updated_parsed")},
        **{key: [dict(part) for part in get(key) or []] for key in ("authors", "tags")},
        "links": [dict(link) for link in get("links") or [] if link.get("rel") != "enclosure"],
        "content": [part.get("value") for part in get("content") or []],
        "full": [value for key, value in entry.items()
                 if isinstance(value, str) and key.lower().replace("-", "").endswith("fulltext")],
    }


def test_entry_dicts_match_feedparsers() -> None:
    """Below parse_feed: the fast path's dicts hold what feedparser's entries hold."""
    calls: list[tuple[str, tuple[Any, ...]]] = [(name, (body, {}, "", "UTC")) for name, body, _ in TRICKY] + [
        (name, args) for name, (args, _) in fixture_calls() + recorded_calls()]
    compared = 0
    for name, (body, headers, *_) in calls:
        if not isinstance(body, bytes) or not body.strip():
            continue
        lower = {key.lower(): value for key, value in headers.items()}
        data = clean_xml(decode_body(body, lower)[0]).encode()
        fast = parse_rss(data)
        if fast is None:
            continue
        parsed = feeds.feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False,
                                        response_headers={"content-type": "application/xml"})
        assert not parsed.bozo and parsed.version, name
        assert fast.title == (parsed.feed.get("title") or ""), name
        assert [shape(entry) for entry in fast.entries] == [shape(entry) for entry in parsed.entries], name
        compared += 1
    assert compared >= 100


# -- what the fast path declines ----------------------------------------------------------------------

PLAIN = rss(item("<title>t</title>"))


def in_item(markup: str) -> bytes:
    return PLAIN.replace(b"<title>t</title>", markup.encode())


def in_channel(markup: str) -> bytes:
    return PLAIN.replace(b"<channel>", f"<channel>{markup}".encode())


def test_a_plain_document_is_taken() -> None:
    feed = parse_rss(PLAIN)
    assert feed is not None and feed.title == "Feed" and feed.version == "rss20"
    assert feed.entries == [{"link": "https://civil.ge/archives/1", "title": "t", "links": [
        {"rel": "alternate", "type": "text/html", "href": "https://civil.ge/archives/1"}]}]


@pytest.mark.parametrize(("reason", "body"), [
    ("a DOCTYPE (clean_xml removes the one before the root)", in_channel("<!DOCTYPE x>")),
    ("an entity declaration", PLAIN.replace(b"<rss", b"<!-- <!ENTITY x 'y'> --><rss")),
    ("a BOM", b"\xef\xbb\xbf" + PLAIN),
    ("the xlink namespace (feedparser turns its declaration into an attribute)",
     in_channel('<x xmlns:xl="http://www.w3.org/1999/xlink"/>')),
    ("a non-ASCII prefix (expat rejects some that lxml takes)", in_channel('<x xmlns:ǲ="urn:x"/>')),
    ("dc: bound to another known namespace", in_channel(f'<x xmlns:dc="{NS["content"]}"/>')),
    ("an entity in a namespace", in_channel('<x xmlns:x="u&amp;v"/>')),
    ("not well-formed", PLAIN.replace(b"</title>", b"</ttle>", 1)),
    ("not RSS", PLAIN.replace(b"<rss", b"<rsss").replace(b"</rss>", b"</rsss>")),
    ("RSS in a namespace", PLAIN.replace(b"<rss", b'<rss xmlns="http://backend.userland.com/rss2"')),
    ("two channels", PLAIN.replace(b"</rss>", b"<channel/></rss>")),
    ("a non-ASCII processing instruction", in_channel("<?ǲ x?>")),
    ("xml:base", PLAIN.replace(b"<channel>", b'<channel xml:base="https://x.ge/">')),
    ("a base attribute in any namespace", in_item('<title x:base="a" xmlns:x="u">t</title>')),
    ("an item attribute", PLAIN.replace(b"<item>", b'<item rdf:about="x" xmlns:rdf="u">')),
    ("a title attribute", in_item('<title mode="base64">t</title>')),
    ("a namespaced isPermaLink", in_item('<guid x:isPermaLink="false" xmlns:x="u">g</guid>')),
    ("markup in a title", in_item("<title>a <b>b</b></title>")),
    ("children under an ignored element", in_item("<enclosure><title>x</title></enclosure>")),
    ("media:group with more than media", in_item("<media:group><media:title>x</media:title></media:group>")),
    ("an unknown element feedparser has a handler for", in_item("<rian:summary>x</rian:summary>")),
    ("an unknown element named like a key feed_entry reads", in_item("<x:date xmlns:x='u'>1</x:date>")),
    ("a differently cased name", in_item("<pubdate>Fri, 20 Nov 2026</pubdate>")),
    ("a title nested in the channel", in_channel("<x:a xmlns:x='u'><title>b</title></x:a>")),
    ("an entry nested in the channel", in_channel("<x:entry xmlns:x='u'/>")),
    ("a second channel title", in_channel("<title>Other</title>")),
    ("xml:base deep in the channel", in_channel('<x:a xmlns:x="u"><x:b xml:base="y"/></x:a>')),
    ("something in the image", in_channel("<image><foo>x</foo><title>y</title></image>")),
])
def test_declines(reason: str, body: bytes) -> None:
    assert parse_rss(body) is None, reason


# -- safety ----------------------------------------------------------------------------------------

def test_entities_read_no_file_and_do_not_expand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    body = (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">{levels}]>\n'
            '<rss version="2.0"><channel><title>&l9;</title><item><title>&xxe; &l9;</title>'
            "<link>https://x.test/1</link><description>&xxe;</description></item></channel></rss>").encode()
    result, expected, took = both((body, RSS, "https://x.test/feed"), {}, monkeypatch)
    assert result == expected
    assert took  # the DOCTYPE was removed first; the references are then plain text
    assert "TOP-SECRET" not in repr(result) and "lollol" not in repr(result)
    assert result.entries[0].title == "&xxe; &l9;"
    # Given the document as it came (DOCTYPE and all), the fast path declines it unread.
    assert parse_rss(body) is None


def test_without_feedparsers_internals_the_fast_path_is_off_and_feeds_still_parse() -> None:
    # A feedparser release that moved what the fast path reuses: simulated in a fresh
    # interpreter where one of those names is gone.
    script = (
        "import feedparser.html; del feedparser.html._cp1252\n"
        "from crawler import rss_fast\n"
        "from crawler.feeds import parse_feed\n"
        "body = b'<rss version=\"2.0\"><channel><item><title>T</title>"
        "<link>https://tass.com/1</link></item></channel></rss>'\n"
        "assert rss_fast.DISABLED and rss_fast.parse_rss(body) is None, rss_fast.DISABLED\n"
        "result = parse_feed(body, {'content-type': 'application/rss+xml'}, 'https://tass.com/rss')\n"
        "print(result.status, [e.link for e in result.entries])\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok ['https://tass.com/1']"
    assert "the fast RSS path is off" in done.stderr

"""Dedupe, revisions and story clusters at the storage layer, on SQLite and PostgreSQL:
the number of stories and alerts is exactly what a reader would expect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, select

from alerts.rules import AdHocRule, Document, RuleSet
from core.db import make_engine, session_scope
from core.hashing import normalised_words, words_sketch
from core.models import Alert, Article, ArticleRevision, fingerprinted_text, utcnow
from core.text import words
from core.urls import canonical_url, url_hash
from crawler.items import ArticleItem, SourceResult
from crawler.spider import feed_fingerprint
from scheduler.ingest import IngestStats, _document, _Stored, store_result
from scheduler.stories import StoryIndex

ALIASES = {
    "georgia": ["Georgia", "Tbilisi", "Грузия", "Тбилиси"],
    "russia": ["Russia", "Moscow", "Россия", "Москва"],
}


RULES = RuleSet.compile([AdHocRule("ge-ru", "@georgia AND @russia", ["console"]),
                         AdHocRule("visas", "visa* OR виз*", ["console"])], ALIASES)

LAVROV = ("Russian Foreign Minister Sergey Lavrov said on Thursday that Moscow is ready to restore "
          "diplomatic relations with Tbilisi if Georgia shows political will. He added that direct "
          "flights resumed in 2023 had benefited both countries and that the visa regime for "
          "Georgian citizens, lifted the same year, would stay. Lavrov spoke after talks with "
          "Abkhaz leaders in Moscow, where he also discussed the Geneva International Discussions.")
LAVROV_EDITED = LAVROV.replace("on Thursday", "on Thursday evening").replace(
    "had benefited both countries", "had benefited the two countries")
LAVROV_RU = ("МОСКВА, 20 ноября. /ТАСС/. Глава МИД России Сергей Лавров заявил в четверг, что Москва "
             "готова восстановить дипломатические отношения с Тбилиси, если Грузия проявит "
             "политическую волю. Прямые рейсы, возобновленные в 2023 году, и отмена визового режима "
             "для граждан Грузии остаются в силе, добавил Лавров после переговоров в Москве.")
LAVROV_EN_DATELINE = "MOSCOW, November 20. /TASS/. " + LAVROV.replace(
    "Sergey Lavrov said", "Sergey Lavrov said in Moscow")


def item(source: str, url: str, title: str, body: str, language: str = "en") -> ArticleItem:
    canonical = canonical_url(url, force_https=True)
    return ArticleItem(source=source, url=canonical, url_hash=url_hash(canonical), title=title,
                       body=body, language=language,
                       feed_hash=feed_fingerprint(url, title, body))


def store(engine: Engine, source: str, *items: ArticleItem) -> IngestStats:
    result = SourceResult(source=source, outcome="ok", items=list(items))
    with session_scope(engine) as session:
        return store_result(session, result, RULES, ["console"])


@pytest.fixture
def engine(database_url: str) -> Engine:
    return make_engine(database_url)


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        articles = session.exec(select(Article)).all()
        alerts = session.exec(select(Alert)).all()
    return len(articles), len({a.story_id for a in articles}), len(alerts)


def test_url_variants_from_two_feeds_are_one_article(engine: Engine) -> None:
    first = store(engine, "civil_en",
                  item("civil_en", "https://civil.ge/archives/1", "Lavrov on ties", LAVROV))
    again = store(engine, "civil_en", item("civil_en", "http://civil.ge/archives/1/?utm_source=rss#c",
                                           "Lavrov on ties", LAVROV))
    assert (first.new, again.new) == (1, 0)
    assert counts(engine) == (1, 1, 2)  # two rules matched: ge-ru and visas


def test_republished_text_elsewhere_joins_the_story_and_alerts_once(engine: Engine) -> None:
    store(engine, "tass_en", item("tass_en", "https://tass.com/politics/1", "Lavrov on ties", LAVROV))
    stats = store(engine, "sputnik_en",
                  item("sputnik_en", "https://sputnikglobe.com/20261120/lavrov-1.html",
                       "Lavrov: Moscow ready to restore ties", LAVROV_EDITED))
    assert stats.new == 1 and stats.alerts == 0  # same story: its alerts exist already
    assert counts(engine) == (2, 1, 2)


def test_revision_updates_keeps_history_and_alerts_only_on_new_matches(engine: Engine) -> None:
    url = "https://mid.ru/en/foreign_policy/news/1/"
    store(engine, "mid_en", item("mid_en", url, "Comment on Georgia", "Text about Tbilisi and Moscow."))
    assert counts(engine) == (1, 1, 1)
    revised = store(engine, "mid_en", item("mid_en", url, "Comment on Georgia",
                                           "Text about Tbilisi and Moscow, and the visa regime."))
    assert (revised.new, revised.updated, revised.alerts) == (0, 1, 1)  # visas newly matches
    unchanged_rules = store(engine, "mid_en", item("mid_en", url, "Comment on Georgia",
                                                   "Tbilisi, Moscow and visas: final text."))
    assert (unchanged_rules.updated, unchanged_rules.alerts) == (1, 0)
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
        history = session.exec(select(ArticleRevision)).all()
    assert article.revision == 3 and len(history) == 2
    assert article.body == "Tbilisi, Moscow and visas: final text."


def test_english_and_russian_versions_of_one_agency_story_cluster(engine: Engine) -> None:
    store(engine, "tass_en", item("tass_en", "https://tass.com/politics/2", "Lavrov on Georgia",
                                  LAVROV_EN_DATELINE))
    store(engine, "tass_ru", item("tass_ru", "https://tass.ru/politika/2", "Лавров о Грузии",
                                  LAVROV_RU, "ru"))
    store(engine, "tass_ru", item("tass_ru", "https://tass.ru/ekonomika/3", "Нефть подорожала",
                                  "МОСКВА, 20 ноября. /ТАСС/. Цены на нефть марки Brent выросли на "
                                  "2%, следует из данных биржи ICE.", "ru"))
    articles, stories, _ = counts(engine)
    assert (articles, stories) == (3, 2)


def test_the_same_names_a_day_and_more_apart_are_another_event(engine: Engine) -> None:
    store(engine, "tass_en", item("tass_en", "https://tass.com/politics/2", "Lavrov on Georgia",
                                  LAVROV_EN_DATELINE))
    # The English report was published 30 hours earlier, though first seen just now (as
    # a first crawl sees a feed's week at once): publication times decide.
    with session_scope(engine) as session:
        session.execute(Article.__table__.update().values(  # type: ignore[attr-defined]
            published=utcnow() - timedelta(hours=30)))
    later = store(engine, "tass_ru", item("tass_ru", "https://tass.ru/politika/2",
                                          "Лавров о Грузии", LAVROV_RU, "ru"))
    assert later.alerts >= 1 and counts(engine)[1] == 2


def test_a_long_lived_story_index_sees_other_writers_and_forgets_rolled_back_rows(
        engine: Engine) -> None:
    from scheduler.stories import StoryIndex

    kept = StoryIndex()  # as the cycle keeps one across sources and cycles

    def store_kept(source: str, *items: ArticleItem) -> IngestStats:
        result = SourceResult(source=source, outcome="ok", items=list(items))
        with session_scope(engine) as session:
            return store_result(session, result, RULES, ["console"], kept)

    store_kept("civil_en", item("civil_en", "https://civil.ge/archives/9", "Weather", "Rain in Batumi."))
    # Another writer (a replica, or this test without the index) stores a story...
    store(engine, "tass_en", item("tass_en", "https://tass.com/politics/1", "Lavrov on ties", LAVROV))
    # ...and the kept index finds it for the republished text.
    republished = store_kept("sputnik_en", item("sputnik_en", "https://sputnikglobe.com/1.html",
                                                "Lavrov: Moscow ready to restore ties", LAVROV_EDITED))
    assert republished.alerts == 0 and counts(engine) == (3, 2, 2)

    # A transaction that fails after storing rolls back. Invalidated, the index forgets
    # the vanished article, whose id SQLite hands out again: else the ghost's translation
    # would join the story of whatever article now has that id.
    oil_ru = ("МОСКВА, 20 ноября. /ТАСС/. Роснефть и Газпром подписали соглашение о поставках "
              "15000 тонн нефти, сообщил Игорь Сечин.")
    oil_en = ("MOSCOW, November 20. /TASS/. Rosneft and Gazprom signed an agreement on supplies "
              "of 15000 tonnes of oil, Igor Sechin said.")
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        store_result(session, SourceResult(source="tass_ru", outcome="ok", items=[
            item("tass_ru", "https://tass.ru/ekonomika/7", "Нефть", oil_ru, "ru")]),
            RULES, ["console"], kept)
        raise RuntimeError("disk full")
    kept.invalidate()
    store_kept("civil_en", item("civil_en", "https://civil.ge/archives/10", "Football",
                                "Dinamo Tbilisi won the cup final on Sunday evening."))
    store_kept("tass_en", item("tass_en", "https://tass.com/economy/7", "Oil deal", oil_en))
    with Session(engine) as session:
        stories = {a.url.rsplit("/", 2)[-2] + "/" + a.url.rsplit("/", 1)[-1]: a.story_id
                   for a in session.exec(select(Article))}
    assert stories["archives/10"] != stories["economy/7"]


def test_a_long_lived_index_compares_later_articles_with_the_revised_text(engine: Engine) -> None:
    stories = StoryIndex()

    def keep(source: str, *items: ArticleItem) -> IngestStats:
        with session_scope(engine) as session:
            return store_result(session, SourceResult(source, outcome="ok", items=list(items)),
                                RULES, ["console"], stories)

    flash = "Moscow is ready to restore relations with Georgia, Lavrov said in Moscow on Thursday."
    url = "https://tass.com/politics/1"
    keep("tass_en", item("tass_en", url, "Lavrov on Georgia", flash))
    keep("tass_en", item("tass_en", url, "Lavrov on Georgia", LAVROV))  # the flash expanded
    copy = keep("sputnik_en", item("sputnik_en", "https://sputnikglobe.com/1", "Lavrov: Moscow ready",
                                   LAVROV_EDITED))
    assert copy.new == 1 and copy.alerts == 0  # the copy of the expanded text joins its story
    assert counts(engine)[1] == 1


def test_headlines_alike_are_not_one_story(engine: Engine) -> None:
    title = "Statement of the Ministry of Foreign Affairs of Georgia on Russia"
    for number, text in enumerate(["", LAVROV, LAVROV_RU.replace("Лавров", "МИД")], 1):
        store(engine, "mfa_ge_en", item("mfa_ge_en", f"https://mfa.gov.ge/en/news/{number}", title, ""))
        if text:  # the statement's page comes later, under the same URL
            store(engine, "mfa_ge_en", item("mfa_ge_en", f"https://mfa.gov.ge/en/news/{number}",
                                            title, text))
    with Session(engine) as session:
        stories = {a.story_id for a in session.exec(select(Article))}
    assert len(stories) == 3  # three statements, not one story that alerts once


def test_a_word_common_to_many_sketches_finds_no_candidates_alone(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """"for" or "для" sits in a good share of all sketches (its digest happens to be small):
    comparing with every article that carries it would cost the whole window per article.
    The near-duplicate is still found through its rarer sketch words."""
    import scheduler.stories as stories_module

    monkeypatch.setattr(stories_module, "COMMON_SKETCH_WORD", 3)
    kept = StoryIndex()

    def store_kept(*items: ArticleItem) -> None:
        with session_scope(engine) as session:
            store_result(session, SourceResult(source="s", outcome="ok", items=list(items)),
                         RULES, ["console"], kept)

    store_kept(item("tass_en", "https://tass.com/politics/1", "Lavrov on ties", LAVROV))
    edited = words_sketch(normalised_words(f"Lavrov: Moscow ready to restore ties\n{LAVROV_EDITED}"))
    common = sorted(edited & words_sketch(normalised_words(f"Lavrov on ties\n{LAVROV}")))[0]
    # Five short texts whose sketches hold that word: its posting outgrows the limit.
    store_kept(*(item("civil_en", f"https://civil.ge/archives/{n}", f"Note {n}",
                      f"{common} alpha{n} beta{n} gamma{n} delta{n}") for n in range(5)))
    candidates = kept.near_candidates(edited)
    assert {entry.language for entry in candidates} == {"en"} and len(candidates) == 1
    assert kept.near_candidates(frozenset({common})) == set(kept.by_word[common])  # alone: kept
    store_kept(item("sputnik_en", "https://sputnikglobe.com/20261120/lavrov-1.html",
                    "Lavrov: Moscow ready to restore ties", LAVROV_EDITED))
    articles, stories, _ = counts(engine)
    assert (articles, stories) == (7, 6)  # the republished text joined the first story


# Letters of three scripts, "_", a stress accent, a ligature, a soft hyphen, and words.
_CHARACTERS = [*"Georgia Грузия ёЁ საქართველოს visa виз_ \u0301\ufb01\u00ad\n.,",
               "Tbilisi ", "Москва ", "flights ", "рейсы "]
_TEXT = st.lists(st.sampled_from(_CHARACTERS), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT, _TEXT, _TEXT)
def test_words_split_for_the_fingerprints_match_as_the_text_itself(
        title: str, summary: str, body: str) -> None:
    """Ingest hands the rules the words it split for the fingerprints, where they are the
    matched text's own; the matches are exactly those of the text tokenised afresh."""
    text = fingerprinted_text(title, body, summary)
    stored = _Stored(1, 1, title, summary, body, "civil_en", "en", normalised_words(text))
    given_words = _document(stored)
    assert given_words.words is None or given_words.words[1] == (
        words(given_words.title) + words(given_words.body))
    fresh = Document(given_words.title, given_words.body, "civil_en", "en")
    assert RULES.match(given_words) == RULES.match(fresh)

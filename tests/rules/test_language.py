"""The query language: every operator, precedence, errors with positions, and matching
of inflected forms in Russian and Georgian."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.rules import Document, QueryError, RuleError, RuleSet, compile_query, parse_query
from alerts.rules.parser import Alias, And, Meta, Near, Not, Or, Term
from core.stemming import stem
from core.text import detect_script_language, normalize, tokenize

ALIASES = {
    "georgia": ["Georgia", "Tbilisi", "\"Грузия\"", "\"Грузии\"", "\"Грузию\"", "\"Грузией\"", "Тбилиси",
                "საქართველო", "თბილის*"],
    "russia": ["Russia", "Moscow", "Россия", "Москва", "რუსეთი"],
}


def hits(query: str, title: str, body: str = "", source: str = "s", lang: str = "en") -> bool:
    return compile_query(query, ALIASES).evaluate(Document(title, body, source, lang)) is not None


# -- parsing ----------------------------------------------------------------------------


def test_precedence_not_near_and_or() -> None:
    tree = parse_query("a OR b c NEAR/3 NOT d")
    assert tree == Or((Term("word", "a"), And((Term("word", "b"),
                                               Near(Term("word", "c"), Not(Term("word", "d")), 3)))))


def test_terms_fields_and_aliases() -> None:
    tree = parse_query('title:"exact phrase" source:tass_ru lang:ka pre* @georgia title:@russia')
    assert tree == And((Term("phrase", "exact phrase", "title"), Meta("source", "tass_ru"),
                        Meta("lang", "ka"), Term("prefix", "pre"), Alias("georgia"),
                        Alias("russia", "title")))


def test_parentheses_override_precedence() -> None:
    assert parse_query("(a OR b) AND c") == And((Or((Term("word", "a"), Term("word", "b"))),
                                                 Term("word", "c")))


@pytest.mark.parametrize("query, position, fragment", [
    ("", 0, "empty"),
    ("Грузия AND (Россия", 18, "expected ')'"),
    ("Грузия)", 6, "')' without a matching '('"),
    ("a AND", 5, "missing at the end"),
    ("a NEAR/ b", 2, "NEAR needs a distance"),
    ("a NEAR/0 b", 2, "at least 1"),
    ('"unterminated', 0, "unterminated phrase"),
    ("title:", 6, "expected a term after 'title:'"),
    ("author:x", 0, "unknown field 'author'"),
    ("a OR OR b", 5, "expected a term, found OR"),
    ("x*y", 0, "'*' is only allowed at the end"),
    ('a OR "prague format*"', 19, "'*' inside a \"phrase\" is not supported"),
    ("@", 0, "'@' must be followed"),
])
def test_errors_report_position_and_nature(query: str, position: int, fragment: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert caught.value.position == position
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"position {position}: ")


def test_a_term_without_letters_is_rejected_at_its_position() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("a & b", ALIASES)
    assert caught.value.position == 2 and "no letters or digits" in caught.value.message


def test_unknown_alias_and_bad_rule_are_named() -> None:
    with pytest.raises(QueryError, match="unknown alias @nope"):
        compile_query("@nope", ALIASES)

    class Spec:
        name, query, channels, min_score = "broken", "a AND (b", ["console"], 0.0

    with pytest.raises(RuleError, match="rule 'broken': position 8"):
        RuleSet.compile([Spec()], ALIASES)


# -- matching --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["Россия", "России", "Россию", "Россией", "РОССИИ", "россией"])
def test_russian_cases_of_a_place_name(form: str) -> None:
    assert hits("Россия", f"Визит в {form} отложен")


@pytest.mark.parametrize("form", ["нормализация", "нормализации", "нормализацию", "нормализацией"])
def test_russian_cases_of_a_noun(form: str) -> None:
    assert hits("нормализация", f"Говорили о {form} отношений")


def test_yo_and_e_are_one_letter() -> None:
    assert hits("ещё", "Еще одна встреча") and hits("еще", "Ещё одна встреча")


@pytest.mark.parametrize("form", ["საქართველო", "საქართველოს", "საქართველოში", "საქართველომ",
                                  "საქართველოსთან", "საქართველოსთვის"])
def test_georgian_case_endings(form: str) -> None:
    assert hits("საქართველო", f"განცხადება {form} შესახებ")


@pytest.mark.parametrize("form", ["რუსეთი", "რუსეთის", "რუსეთთან", "რუსეთმა", "რუსეთში"])
def test_georgian_case_endings_of_russia(form: str) -> None:
    assert hits("@russia", f"{form} და სხვები")


@pytest.mark.parametrize("form", ["თბილისი", "თბილისის", "თბილისში", "თბილისთან", "თბილისიდან",
                                  "თბილისისთვის"])
def test_georgian_root_ending_in_s_keeps_it_before_a_postposition(form: str) -> None:
    assert hits("თბილისი", f"შეხვედრა {form} გაიმართა")
    assert not hits("თბილისი", "დღეს თბილი ამინდია")  # თბილი, "warm"


def test_english_stems_but_not_normal() -> None:
    assert hits("relation", "Relations improved")
    assert not hits("normaliz*", "Traffic is back to normal")
    assert hits("normaliz*", "The normalization of ties")


def test_phrase_across_line_breaks_and_punctuation() -> None:
    assert hits('"diplomatic relations"', "restore diplomatic\n  relations with")
    assert not hits('"diplomatic relations"', "diplomatic and trade relations")
    assert hits('"Russian Georgian"', "the Russian-Georgian border")


def test_hyphenated_words_match_both_halves() -> None:
    assert hits("Georgian AND Russian", "on the Russian-Georgian border")


@pytest.mark.parametrize("gap, distance, expected", [(3, 4, True), (4, 4, False), (0, 1, True)])
def test_near_boundaries_either_order(gap: int, distance: int, expected: bool) -> None:
    filler = " ".join(["x"] * gap)
    assert hits(f"Georgia NEAR/{distance} Russia", f"Georgia {filler} Russia") is expected
    assert hits(f"Russia NEAR/{distance} Georgia", f"Georgia {filler} Russia") is expected


def test_near_does_not_span_title_and_body() -> None:
    assert not hits("Georgia NEAR/3 Russia", "News from Georgia", "Russia said")


def test_not_and_field_filters() -> None:
    assert hits("Georgia AND NOT Atlanta", "Georgia talks")
    assert not hits("Georgia AND NOT Atlanta", "Atlanta, Georgia")
    assert hits("title:Georgia", "Georgia talks", "nothing") and not hits(
        "title:Georgia", "Talks", "in Georgia")
    assert hits("Georgia source:tass_en", "Georgia", source="tass_en")
    assert not hits("Georgia source:tass_en", "Georgia", source="tass_ru")
    assert hits("Georgia lang:en", "Georgia", lang="en") and not hits("Georgia lang:ru", "Georgia")


def test_aliases_mix_scripts() -> None:
    for text in ("Talks in Tbilisi", "Переговоры в Тбилиси", "მოლაპარაკება თბილისში",
                 "Визит в Грузию"):
        assert hits("@georgia", text), text
    assert not hits("@georgia", "Груз доставлен")  # the stem of Грузия is also "cargo"


def test_rule_set_reports_terms_score_snippet_and_threshold() -> None:
    class Spec:
        def __init__(self, name: str, query: str, min_score: float = 0.0) -> None:
            self.name, self.query, self.channels, self.min_score = name, query, ["console"], min_score

    rules = RuleSet.compile([Spec("pair", "@georgia AND @russia"),
                             Spec("strict", "@georgia AND @russia", min_score=20)], ALIASES)
    body = "Officials in Moscow said that relations with Georgia could improve. " * 3
    found = rules.match(Document("Russia and Georgia", body, "tass_en", "en"))
    assert [m.rule for m in found] == ["pair"]
    match = found[0]
    assert set(match.matched) == {"Georgia", "Russia", "Moscow"}
    assert match.score == 3 + 3 + 3 * 2  # title hits weigh 3, body hits 1
    words = {match.snippet[a:b] for a, b in match.highlights}
    assert words == {"Moscow", "Georgia"}


def test_prefilter_skips_rules_whose_terms_are_absent() -> None:
    class Spec:
        def __init__(self, name: str, query: str) -> None:
            self.name, self.query, self.channels, self.min_score = name, query, [], 0.0

    rules = RuleSet.compile([Spec(f"r{i}", f"word{i} AND other") for i in range(200)]
                            + [Spec("neg", "NOT zebra")], ALIASES)
    from alerts.rules.document import Prepared

    candidates = rules.candidates(Prepared(Document("word7 other", "")))
    assert {r.spec.name for r in candidates} == {"neg", "r7"}


# -- text primitives ----------------------------------------------------------------------


def test_text_primitives() -> None:
    assert normalize("  Ёлка\u00ad  ПАРК ") == "елка парк"
    tokens = tokenize("Russian-Georgian talks")
    assert [(t.text, t.start, t.end) for t in tokens] == [
        ("russian", 0, 7), ("georgian", 8, 16), ("talks", 17, 22)]
    assert detect_script_language("საქართველო და Russia") == "ka"
    assert stem("грузией") == stem("грузия")


# -- properties -----------------------------------------------------------------------------

WORDS = st.sampled_from(["georgia", "russia", "visa", "flights", "talks", "грузия", "россия",
                         "საქართველო", "რუსეთი", "moscow"])
TEXTS = st.lists(WORDS, max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parser_never_crashes(query: str) -> None:
    with contextlib.suppress(QueryError):
        compile_query(query, ALIASES)


@st.composite
def queries(draw: st.DrawFn, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(WORDS)
    left, right = draw(queries(depth - 1)), draw(queries(depth - 1))
    op = draw(st.sampled_from(["AND", "OR"]))
    return f"({left} {op} {right})"


@settings(max_examples=200, deadline=None)
@given(queries(), queries(), TEXTS, TEXTS)
def test_de_morgan_rewrites_match_the_same_articles(a: str, b: str, title: str, body: str) -> None:
    doc = Document(title, body)
    def matches(q: str) -> bool:
        return compile_query(q, ALIASES).evaluate(doc) is not None

    assert matches(f"NOT ({a} AND {b})") == matches(f"(NOT {a}) OR (NOT {b})")
    assert matches(f"NOT ({a} OR {b})") == matches(f"(NOT {a}) AND (NOT {b})")

"""The rule set's word index gives exactly what each query, evaluated alone on its own
fully stemmed document, gives: the same rules, terms, scores and snippets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.rules import AdHocRule, Document, RuleSet, compile_query
from alerts.rules import index as rule_index

ALIASES = {
    "georgia": ["Georgia", "Georgian*", "Tbilisi", "\"Грузии\"", "грузинск*", "საქართველო",
                "თბილის*"],
    "ties": ["relations", "\"diplomatic ties\"", "отношени*", "ურთიერთობ*", "restor*"],
}
# Inflected forms, words sharing prefixes, and words no rule names.
VOCABULARY = ["Georgia", "Georgian", "Georgians", "Tbilisi", "Грузия", "Грузии", "Грузией",
              "грузинские", "грузинской", "საქართველო", "საქართველოს", "თბილისში", "relations",
              "related", "diplomatic", "ties", "отношения", "отношениями", "ურთიერთობები",
              "restore", "restored", "restoration", "Russia", "Russian", "России", "Россией",
              "visa", "visas", "визы", "flights", "рейсы", "wheat", "court", "суд", "Georgia-Russia",
              "re-establish", "re-established"]
TERMS = ["Georgia", "Russia", "России", "visa*", "виз*", "restor*", "re-establish*",
         "\"diplomatic ties\"", "\"Georgia Russia\"", "@georgia", "@ties", "title:Georgia",
         "title:@ties", "flights", "рейс*", "Georgia-Russia", "source:tass*", "lang:ru"]


@st.composite
def queries(draw: st.DrawFn, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(TERMS))
    left, right = draw(queries(depth - 1)), draw(queries(depth - 1))
    op = draw(st.sampled_from(["AND", "OR", "AND NOT", "NEAR/3"]))
    return f"({left} {op} {right})"


TEXTS = st.lists(st.sampled_from(VOCABULARY), max_size=25).map(" ".join)
DOCUMENTS = st.builds(Document, TEXTS, TEXTS, st.sampled_from(["tass_en", "civil_ge"]),
                      st.sampled_from(["en", "ru", "ka"]))


def alone(query: str, doc: Document) -> tuple[str, ...] | None:
    result = compile_query(query, ALIASES).evaluate(doc)
    return None if result is None else (*sorted(result.matched), str(result.score))


@settings(max_examples=300, deadline=None)
@given(st.lists(queries(), min_size=1, max_size=6), st.lists(DOCUMENTS, min_size=1, max_size=4))
def test_a_rule_set_matches_as_its_queries_do_alone(rule_queries: list[str],
                                                     docs: list[Document]) -> None:
    rules = RuleSet.compile([AdHocRule(f"r{n}", q) for n, q in enumerate(rule_queries)], ALIASES)
    for doc in docs:  # one rule set, several documents: what it learned carries over
        found = {m.rule: (*sorted(m.matched), str(m.score)) for m in rules.match(doc)}
        expected = {f"r{n}": result for n, q in enumerate(rule_queries)
                    if (result := alone(q, doc)) is not None}
        assert found == expected


def test_forgetting_learned_words_keeps_every_match(monkeypatch: pytest.MonkeyPatch) -> None:
    # Past the limit the index forgets every word, including those of the document in
    # hand that it knew before; it must learn them again, not drop them.
    monkeypatch.setattr(rule_index, "LEARNED_LIMIT", 4)
    rules = RuleSet.compile([AdHocRule("pair", "@georgia AND Russia")], ALIASES)
    assert [m.rule for m in rules.match(Document("Georgia", "Russia"))] == ["pair"]
    assert rules.match(Document("Georgia", "wheat")) == []  # learns one word: three known
    # Three new words pass the limit while "georgia" and "russia" are known.
    found = rules.match(Document("Georgia court", "Russia суд визы"))
    assert [m.rule for m in found] == ["pair"]
    assert set(found[0].matched) == {"Georgia", "Russia"}

"""Snippets a newsroom can read: every word that made the match shown and highlighted,
whole words at the edges, the feed's lead kept apart from the page's text, and the text's
opening (not the title again) when only the title matched."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.rules import Document, RuleSet
from alerts.rules.snippet import PARAGRAPH_MARK

FILLER = "The weather in the region was mild this week and markets were calm, analysts said. "


@dataclass
class Spec:
    name: str
    query: str
    channels: list[str] = field(default_factory=lambda: ["console"])
    min_score: float = 0.0


RULE = "georgia NEAR/40 (restore* NEAR/3 relations)"


def match(title: str, body: str, query: str = RULE):  # type: ignore[no-untyped-def]
    found = RuleSet.compile([Spec("r", query)], {}).match(Document(title, body, "tass_en", "en"))
    assert found, "the test text must match"
    return found[0]


def test_hits_far_apart_are_all_shown() -> None:
    middle = "intergovernmental consultations concerning humanitarian transportation " * 6
    body = FILLER * 3 + "Georgia: " + middle + "Russia will restore relations step by step. " + FILLER * 3
    found = match("Talks held", body)
    shown = [found.snippet[a:b] for a, b in found.highlights]
    assert shown == ["Georgia", "restore", "relations"]
    assert " …" in found.snippet  # two fragments, the gap marked


def test_edges_are_whole_words_and_marked() -> None:
    body = "Xylophonically " * 40 + "Georgia will restore relations. " + "Zebra " * 80
    found = match("Talks", body)
    inner = found.snippet.strip("…")
    assert found.snippet.startswith("…") and found.snippet.endswith("…")
    assert inner.split()[0] in ("Xylophonically", "Georgia") and inner.split()[-1] in ("Zebra", "relations.")


def test_the_feeds_lead_and_the_page_text_are_kept_apart() -> None:
    found = match("Talks", "Georgia will restore relations, he said\n\nMOSCOW, November 21. /TASS/. More")
    assert f"he said{PARAGRAPH_MARK}MOSCOW" in found.snippet
    assert [found.snippet[a:b] for a, b in found.highlights] == ["Georgia", "restore", "relations"]


def test_a_title_only_match_shows_how_the_text_begins() -> None:
    found = match("Georgia will restore relations", "The ministry said so on Monday.")
    assert found.snippet == "The ministry said so on Monday." and found.highlights == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Georgia", "restore", "relations", "the", "talks", "Москва,",
                                 "\n\n", "x" * 40, "and", "said."]), min_size=3, max_size=300))
def test_highlights_always_fall_on_the_matched_words(words: list[str]) -> None:
    body = " ".join(["Georgia restore relations", *words])
    found = match("t", body, "georgia OR restore* OR relations")
    assert found.highlights
    for start, end in found.highlights:
        assert found.snippet[start:end].lower() in ("georgia", "restore", "relations")
    assert len(found.snippet) <= 300 * 3 // 2 + 2 * 30 + 10


def test_a_fragment_near_the_start_widens_back_to_the_word_it_cuts() -> None:
    from alerts.rules.snippet import _fragment

    text = "abcde " * 40  # words start at multiples of 6
    begin, end = _fragment(text, 100, 105, 180)  # the edge falls at 13, inside a word
    assert begin == 12 and end <= len(text) and text[end - 1] != " "

"""Tokenising: the fast word list, the offsets and the normalisation agree."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.stemming import stem
from core.text import _is_plain, fold, normalize, spans, tokenize, words

# Letters of the three scripts, digits, punctuation, whitespace of several kinds, and
# the characters that take the slow path: invisible ones, combining accents, ß, ﬁ.
ALPHABET = st.sampled_from(list(
    "abcXYZ019 ,.-_'\"\n\t\u00a0абвЁёГрузия ქართულიᲡᲐ\u00ad\u200b\u0301ßﬁ①İ«»—"))


@settings(max_examples=300, deadline=None)
@given(st.text(ALPHABET, max_size=80))
def test_words_spans_and_tokens_agree(text: str) -> None:
    tokens = tokenize(text)
    assert words(text) == [t.text for t in tokens]
    assert spans(text) == [(t.start, t.end) for t in tokens]
    for token in tokens:
        assert token.text and "_" not in token.text


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=60))
def test_the_fast_word_pattern_finds_the_reference_words(text: str) -> None:
    # Plain text is split with \w+ when it has no "_" (twice as fast); a word is still
    # exactly a run of letters and digits.
    folded = fold(text)
    if _is_plain(text, folded):
        expected = re.findall(r"[^\W_]+", folded)
        assert words(text) == expected
        assert [folded[a:b] for a, b in spans(text)] == expected


def test_inside_a_word_invisible_characters_and_stress_accents_are_dropped() -> None:
    # A soft hyphen from a CMS's hyphenation and a stress mark from a dictionary quote
    # must not split "Грузия" into two words.
    assert words("Гру\u00adзи\u0301ей и Росси\u200bей") == ["грузией", "и", "россией"]
    assert stem(words("Гру\u0301зии")[0]) == stem("грузия")
    assert normalize("Гру\u00adзия") == "грузия"


def test_offsets_point_at_the_original_text() -> None:
    text = "Tbilisi,\u00a0«Грузия»\nსაქართველო-რუსეთი"
    assert [text[s:e] for s, e in spans(text)] == ["Tbilisi", "Грузия", "საქართველო", "რუსეთი"]
    assert words(text) == ["tbilisi", "грузия", "საქართველო", "რუსეთი"]


def test_stemming_many_words_at_once_gives_each_word_s_own_stem() -> None:
    from core import stemming

    words = ["relations", "отношений", "საქართველოსთან", "2026", "relations", "Грузии", "ёлка"]
    stemming._cache.clear()
    batch = stemming.stem_many(words)
    stemming._cache.clear()
    assert batch == [stem(word) for word in words]
    assert batch[0] == "relat" and batch[2] == "საქართველ" and batch[3] == "2026"


def test_stemming_many_words_past_the_cache_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from core import stemming

    monkeypatch.setattr(stemming, "CACHE_LIMIT", 3)
    words = ["talks", "flights", "visas", "рейсы", "визы"]
    assert stemming.stem_many(words) == ["talk", "flight", "visa", "рейс", "виз"]
    assert len(stemming.stem_cache()) == len(words)  # cleared, then the batch's own words

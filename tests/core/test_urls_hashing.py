from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.hashing import (
    NEAR_DUPLICATE_DISTANCE,
    NEAR_DUPLICATE_OVERLAP,
    SKETCH_SIZE,
    content_hash,
    hamming,
    normalised_words,
    simhash,
    word_overlap,
    words_fingerprints,
    words_simhash,
    words_simhashes,
    words_sketch,
)
from core.urls import canonical_url, on_domains, url_hash


@pytest.mark.parametrize("variant", [
    "https://civil.ge/archives/743770",
    "HTTPS://Civil.GE/archives/743770/",
    "http://civil.ge/archives/743770?utm_source=rss&utm_medium=feed",
    "https://www.civil.ge/archives/743770#comments",
    "https://civil.ge:443/archives/743770?fbclid=abc",
    "https://m.civil.ge/archives/743770/amp/",  # the mobile and AMP renderings
    "https://civil.ge/archives/743770?amp=1&ysclid=lq2x",
    "https://civil.ge//archives/743770;jsessionid=A1B2",
])
def test_url_variants_meet(variant: str) -> None:
    assert canonical_url(variant, force_https=True) == "https://civil.ge/archives/743770"


def test_meaningful_query_is_kept_and_sorted() -> None:
    assert canonical_url("https://mid.ru/news/?lang=en&id=5&utm_campaign=x") == \
        "https://mid.ru/news?id=5&lang=en"
    assert canonical_url("http://example.ge/a") == "http://example.ge/a"  # no force: kept


def test_url_hash_and_domains() -> None:
    assert url_hash("https://a.ge/x") != url_hash("https://a.ge/y")
    assert on_domains("https://norway.mfa.gov.ge/en/news/1", ["mfa.gov.ge"])
    assert not on_domains("https://evil-mfa.gov.ge.example/x", ["mfa.gov.ge"])


def test_content_hash_ignores_case_spacing_and_yo() -> None:
    assert content_hash("Ещё  Грузия!", "Текст") == content_hash("еще грузия", "текст.")
    assert content_hash("a", "b") != content_hash("a", "c")


def test_simhash_near_duplicates_are_close_and_others_far() -> None:
    base = ("Russian Foreign Minister Sergey Lavrov said on Thursday that Moscow is ready to "
            "restore diplomatic relations with Tbilisi if Georgia shows political will, adding "
            "that direct flights resumed last year had benefited both countries.")
    edited = base.replace("on Thursday", "on Thursday evening").replace("both", "the two")
    other = ("The Georgian national rugby team beat Portugal in Tbilisi on Saturday, securing a "
             "place in the final of the Rugby Europe Championship for the sixth year running.")
    assert hamming(simhash(base), simhash(edited)) <= NEAR_DUPLICATE_DISTANCE
    assert hamming(simhash(base), simhash(other)) > NEAR_DUPLICATE_DISTANCE
    assert word_overlap(base, edited) >= NEAR_DUPLICATE_OVERLAP
    same_topic = ("Russian Deputy Foreign Minister Galuzin said on Friday that Moscow and Tbilisi "
                  "could discuss visa rules, adding that flights between the two countries grew.")
    assert word_overlap(base, same_topic) < NEAR_DUPLICATE_OVERLAP
    assert -(1 << 63) <= simhash(base) < (1 << 63)


_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: int) -> int:
    z ^= z >> 30
    z = z * 0xBF58476D1CE4E5B9 & _MASK
    z ^= z >> 27
    z = z * 0x94D049BB133111EB & _MASK
    return z ^ z >> 31


def _reference_digest(word: str) -> int:
    """A word's digest as defined, in plain integers: the sum of splitmix64's finaliser
    over each character's (code point, place from 1), mixed with the length."""
    total = sum(_mix((ord(char) | place << 21) * _GOLDEN & _MASK)
                for place, char in enumerate(word, 1))
    return _mix((total + len(word) * _GOLDEN) & _MASK)


def _reference_simhash(text: str) -> int:
    """SimHash as defined, one counter per bit of each feature, in plain integers: a
    word's feature is its digest, a pair's its words' digests mixed by splitmix64's
    finaliser (what the numpy version computes)."""
    import itertools

    from core.hashing import normalised_words

    mask = _MASK
    words = normalised_words(text)
    if not words:
        return 0
    single = [_reference_digest(w) for w in words]
    features = list(single)
    for a, b in itertools.pairwise(single):
        features.append(_mix((a * _GOLDEN & mask) ^ ((b << 29 | b >> 35) & mask)))
    counts = [0] * 64
    for value in features:
        for bit in range(64):
            counts[bit] += (value >> bit) & 1
    result = sum(1 << bit for bit in range(64) if counts[bit] > len(features) / 2)
    return result - (1 << 64) if result >= 1 << 63 else result


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["Georgia", "Грузия", "россией", "ქართული", "talks", "2026",
                                 "visa", "рейсы", "a", "b"]), max_size=70).map(" ".join)
       | st.integers(1, 40).map(lambda n: "word " * n * 1000))  # many features
def test_simhash_is_the_per_bit_majority_of_its_features(text: str) -> None:
    assert simhash(text) == _reference_simhash(text)


def test_simhashes_of_a_batch_are_each_texts_own() -> None:
    texts = ["", "one", "two words", "Грузия и Россия восстановили авиасообщение " * 5, "", "ქართული"]
    words = [normalised_words(text) for text in texts]
    assert words_simhashes(words) == [simhash(text) for text in texts]
    assert words_simhashes(words)[0] == 0 and words_simhashes([]) == []


def _reference_sketch(words: list[str]) -> frozenset[str]:
    """The SKETCH_SIZE distinct words of three letters or more with the smallest digests."""
    return frozenset(sorted({w for w in words if len(w) > 2}, key=_reference_digest)[:SKETCH_SIZE])


_WORDS = st.sampled_from(["Georgia", "грузия", "ქართული", "talks", "2026", "visa", "a", "ab"]) \
    | st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)  # astral too


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_WORDS, max_size=40), max_size=12))
def test_fingerprints_of_a_batch_are_each_texts_own_simhash_and_sketch(texts: list[list[str]]) -> None:
    fingerprints = words_fingerprints(texts)
    assert [f.simhash for f in fingerprints] == [words_simhash(words) for words in texts]
    assert [f.sketch for f in fingerprints] == [words_sketch(words) for words in texts] \
        == [_reference_sketch(words) for words in texts]

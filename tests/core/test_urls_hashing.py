from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.hashing import (
    NEAR_DUPLICATE_DISTANCE,
    NEAR_DUPLICATE_OVERLAP,
    content_hash,
    hamming,
    normalised_words,
    simhash,
    word_overlap,
    words_simhashes,
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


def _reference_simhash(text: str) -> int:
    """SimHash as defined, one counter per bit of each feature, in plain integers: a
    word's feature is its BLAKE2b-64, a pair's its words' features mixed by splitmix64's
    finaliser (what the numpy version computes)."""
    import hashlib
    import itertools

    from core.hashing import normalised_words

    mask = (1 << 64) - 1
    words = normalised_words(text)
    if not words:
        return 0
    single = [int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "big")
              for w in words]
    features = list(single)
    for a, b in itertools.pairwise(single):
        z = (a * 0x9E3779B97F4A7C15 & mask) ^ ((b << 29 | b >> 35) & mask)
        z ^= z >> 30
        z = z * 0xBF58476D1CE4E5B9 & mask
        z ^= z >> 27
        z = z * 0x94D049BB133111EB & mask
        features.append(z ^ z >> 31)
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

"""Content fingerprints: an exact hash of normalised text and a 64-bit SimHash.

SimHash rather than MinHash/LSH: one 64-bit integer per article fits a column,
near-duplicates (republished, lightly edited, syndicated) differ in a few bits,
and comparing against recent articles is a handful of XOR/popcounts, with no
band tables to maintain in the database.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
SIMHASH_BITS = 64
# SimHash is the cheap pre-filter (candidates within this many differing bits);
# the word-set overlap below confirms, so two different stories on one topic
# (which share vocabulary, hence bits) are not merged.
NEAR_DUPLICATE_DISTANCE = 18
NEAR_DUPLICATE_OVERLAP = 0.6


def normalised_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _WORD.findall(folded)


def content_hash(title: str, body: str) -> str:
    """Equal for texts that differ only in case, spacing, punctuation or ё/е."""
    words = normalised_words(f"{title}\n{body}")
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def _feature_hash(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """64-bit SimHash over words and word pairs, as a signed integer (fits BIGINT).

    Single words keep short, lightly edited texts close; pairs keep texts that
    share a vocabulary but not sentences apart. Bit counts are kept in bit-sliced
    counters (one 64-bit plane per binary digit of the count), so each feature
    costs a few integer operations instead of a loop over 64 bits.
    """
    words = normalised_words(text)
    if not words:
        return 0
    grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    planes: list[int] = []
    for gram in grams:
        carry = _feature_hash(gram)
        for index, plane in enumerate(planes):
            planes[index], carry = plane ^ carry, plane & carry
            if not carry:
                break
        if carry:
            planes.append(carry)
    half = len(grams) / 2
    result = 0
    for bit in range(SIMHASH_BITS):
        ones = sum(((plane >> bit) & 1) << level for level, plane in enumerate(planes))
        if ones > half:
            result |= 1 << bit
    return result - (1 << 64) if result >= 1 << 63 else result


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


SKETCH_SIZE = 6


def sketch(text: str, size: int = SKETCH_SIZE) -> frozenset[str]:
    """The ``size`` words of the text with the smallest hashes (a bottom-k MinHash sketch).

    Texts whose word sets overlap by Jaccard J share their minimum-hash word with
    probability J, and some word of their sketches with a far higher one, so the
    sketch words index near-duplicate candidates without comparing every pair.
    """
    words = {w for w in normalised_words(text) if len(w) > 2}
    return frozenset(sorted(words, key=_feature_hash)[:size])


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' word sets (0..1)."""
    left, right = set(normalised_words(a)), set(normalised_words(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)

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
from functools import lru_cache

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


# Words recur from article to article (word pairs much less): their hashes are cached.
_word_hash = lru_cache(maxsize=1 << 17)(_feature_hash)


def simhash(text: str) -> int:
    """64-bit SimHash over words and word pairs, as a signed integer (fits BIGINT).

    Single words keep short, lightly edited texts close; pairs keep texts that
    share a vocabulary but not sentences apart. Bit counts are kept in bit-sliced
    counters (one 64-bit plane per binary digit of the count), so each feature
    costs a few integer operations instead of a loop over 64 bits, and the
    majority vote is one bit-sliced comparison of all 64 counts at once.
    """
    words = normalised_words(text)
    if not words:
        return 0
    hashes = [_word_hash(w) for w in words]
    hashes += [_feature_hash(f"{a} {b}") for a, b in itertools.pairwise(words)]
    planes: list[int] = []
    for carry in hashes:
        for index, plane in enumerate(planes):
            planes[index], carry = plane ^ carry, plane & carry
            if not carry:
                break
        if carry:
            planes.append(carry)
    result = _counts_above(planes, len(hashes) // 2)  # more than half the features
    return result - (1 << 64) if result >= 1 << 63 else result


def _counts_above(planes: list[int], threshold: int) -> int:
    """The bits whose count (binary digit ``level`` in ``planes[level]``) exceeds
    ``threshold``: compared digit by digit from the most significant, in parallel."""
    mask = (1 << SIMHASH_BITS) - 1
    greater, equal = 0, mask
    for level in range(max(len(planes), threshold.bit_length()) - 1, -1, -1):
        plane = planes[level] if level < len(planes) else 0
        if (threshold >> level) & 1:
            equal &= plane
        else:
            greater |= equal & plane
            equal &= ~plane & mask
    return greater


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
    return frozenset(sorted(words, key=_word_hash)[:size])


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' word sets (0..1)."""
    left, right = set(normalised_words(a)), set(normalised_words(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)

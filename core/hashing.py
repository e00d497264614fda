"""Content fingerprints: an exact hash of normalised text and a 64-bit SimHash.

SimHash rather than MinHash/LSH: one 64-bit integer per article fits a column,
near-duplicates (republished, lightly edited, syndicated) differ in a few bits,
and comparing against recent articles is a handful of XOR/popcounts, with no
band tables to maintain in the database.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)
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


def _digest(feature: str) -> bytes:
    return hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()


# Words recur from article to article (word pairs much less): their digests are cached.
_word_digest = lru_cache(maxsize=1 << 17)(_digest)


def _spread_table(width: int) -> list[int]:
    """Byte value → its eight bits spread one to a ``width``-bit lane of an integer."""
    return [sum(((value >> bit) & 1) << (bit * width) for bit in range(8)) for value in range(256)]


_LANES = {16: _spread_table(16), 32: _spread_table(32)}


def simhash(text: str) -> int:
    """64-bit SimHash over words and word pairs, as a signed integer (fits BIGINT).

    Single words keep short, lightly edited texts close; pairs keep texts that
    share a vocabulary but not sentences apart. The features' 8-byte digests are
    laid end to end, and each byte column is counted at once: a table spreads a
    byte's eight bits into eight lanes of one integer, and summing the column's
    spread bytes (in C: ``sum(map(...))``) counts every bit of that column.
    """
    words = normalised_words(text)
    if not words:
        return 0
    digests = b"".join(map(_word_digest, words)) + b"".join(
        [_digest(f"{a} {b}") for a, b in itertools.pairwise(words)])
    features = len(digests) // 8
    width = 16 if features < 1 << 15 else 32  # a lane must hold the count
    spread, mask, half = _LANES[width].__getitem__, (1 << width) - 1, features // 2
    result = 0
    for column in range(8):
        lanes = sum(map(spread, digests[column::8]))
        for bit in range(8):
            if (lanes >> (bit * width)) & mask > half:  # more than half the features
                result |= 1 << ((7 - column) * 8 + bit)  # the digest's bytes are big-endian
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
    # Digests compare as bytes in the order of their big-endian values: no int needed.
    return frozenset(heapq.nsmallest(size, words, key=_word_digest))


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' word sets (0..1)."""
    left, right = set(normalised_words(a)), set(normalised_words(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)

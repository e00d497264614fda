"""Content fingerprints: an exact hash of normalised text and a 64-bit SimHash.

SimHash rather than MinHash/LSH: one 64-bit integer per article fits a column,
near-duplicates (republished, lightly edited, syndicated) differ in a few bits,
and comparing against recent articles is a handful of XOR/popcounts, with no
band tables to maintain in the database.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy

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
    return words_hash(normalised_words(f"{title}\n{body}"))


def words_hash(words: list[str]) -> str:
    """``content_hash`` of a text already split by ``normalised_words``."""
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def _digest(feature: str) -> bytes:
    return hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()


# Words recur from article to article (word pairs much less): their digests are cached.
_word_digest = lru_cache(maxsize=1 << 17)(_digest)


# Stored SimHash values are of this version of the algorithm; a database holding another
# has them recomputed when it is opened (core.db), since old and new never compare.
SIMHASH_VERSION = 2
# splitmix64's constants: a pair's feature is its two words' digests mixed in C (numpy),
# not a digest of its own, which costs a Python call per pair.
_GOLDEN, _MIX1, _MIX2 = (numpy.uint64(c) for c in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9,
                                                   0x94D049BB133111EB))
_SHIFTS = {n: numpy.uint64(n) for n in (27, 29, 30, 31, 35)}


def simhash(text: str) -> int:
    """64-bit SimHash over words and word pairs, as a signed integer (fits BIGINT).

    Single words keep short, lightly edited texts close; pairs keep texts that
    share a vocabulary but not sentences apart. Each feature is 64 bits (a word's
    BLAKE2b digest; a pair's, its words' digests mixed in order); a bit of the
    result is set where more than half the features have it.
    """
    return words_simhash(normalised_words(text))


def words_simhash(words: list[str]) -> int:
    """``simhash`` of a text already split by ``normalised_words``."""
    return words_simhashes([words])[0]


def words_simhashes(texts: Sequence[list[str]]) -> list[int]:
    """``words_simhash`` of many texts at once: numpy's cost per call is paid per batch
    (a feed's new items), not per text."""
    single = numpy.frombuffer(b"".join([b"".join(map(_word_digest, words)) for words in texts]),
                              dtype=">u8").astype(numpy.uint64)
    sizes = numpy.fromiter(map(len, texts), dtype=numpy.int64, count=len(texts))
    ends = numpy.cumsum(sizes)
    starts = ends - sizes
    first, second = single[:-1], single[1:]
    # The second word rotated: "A B" and "B A" are different pairs.
    pair = (first * _GOLDEN) ^ ((second << _SHIFTS[29]) | (second >> _SHIFTS[35]))
    pair ^= pair >> _SHIFTS[30]
    pair *= _MIX1
    pair ^= pair >> _SHIFTS[27]
    pair *= _MIX2
    pair ^= pair >> _SHIFTS[31]
    # A text's pairs are single[i], single[i + 1] for i in [start, end - 1): the pair that
    # straddles two texts (i = end - 1) is counted by neither.
    pair_ends = numpy.minimum(numpy.maximum(ends - 1, starts), len(pair))
    ones = (_bit_counts(single, starts, ends)
            + _bit_counts(pair, numpy.minimum(starts, pair_ends), pair_ends))
    features = sizes + numpy.maximum(sizes - 1, 0)
    majority = ones > (features // 2)[:, None]  # most significant bit first
    packed = numpy.packbits(majority, axis=1).tobytes()
    values = (int.from_bytes(packed[i:i + 8], "big") for i in range(0, len(packed), 8))
    return [value - (1 << 64) if value >= 1 << 63 else value for value in values]


def _bit_counts(features: numpy.ndarray, starts: numpy.ndarray, ends: numpy.ndarray) -> numpy.ndarray:
    """For each [start, end) run of 64-bit features, how many have each bit set (a row
    of 64 counts, most significant bit first)."""
    bits = numpy.unpackbits(features.astype(">u8").view(numpy.uint8)).reshape(-1, 64)
    counts = numpy.zeros((len(starts), 64), dtype=numpy.int32)
    for row, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        if end > start:
            numpy.sum(bits[start:end], axis=0, dtype=numpy.int32, out=counts[row])
    return counts


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


SKETCH_SIZE = 6


def sketch(text: str, size: int = SKETCH_SIZE) -> frozenset[str]:
    """The ``size`` words of the text with the smallest hashes (a bottom-k MinHash sketch).

    Texts whose word sets overlap by Jaccard J share their minimum-hash word with
    probability J, and some word of their sketches with a far higher one, so the
    sketch words index near-duplicate candidates without comparing every pair.
    """
    return words_sketch(normalised_words(text), size)


def words_sketch(words: list[str], size: int = SKETCH_SIZE) -> frozenset[str]:
    """``sketch`` of a text already split by ``normalised_words``."""
    distinct = {w for w in words if len(w) > 2}
    # Digests compare as bytes in the order of their big-endian values: no int needed.
    return frozenset(heapq.nsmallest(size, distinct, key=_word_digest))


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' word sets (0..1)."""
    left, right = set(normalised_words(a)), set(normalised_words(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)

"""Content fingerprints: an exact hash of normalised text and a 64-bit SimHash.

SimHash rather than MinHash/LSH: one 64-bit integer per article fits a column,
near-duplicates (republished, lightly edited, syndicated) differ in a few bits,
and comparing against recent articles is a handful of XOR/popcounts, with no
band tables to maintain in the database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from itertools import chain
from typing import NamedTuple

import numpy

_WORD = re.compile(r"\w+", re.UNICODE)
# SimHash is the cheap pre-filter (candidates within this many differing bits);
# the word-set overlap below confirms, so two different stories on one topic
# (which share vocabulary, hence bits) are not merged.
NEAR_DUPLICATE_DISTANCE = 18
NEAR_DUPLICATE_OVERLAP = 0.6
SKETCH_SIZE = 6  # words in a text's bottom-k sketch


def normalised_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _WORD.findall(folded)


def content_hash(title: str, body: str) -> str:
    """Equal for texts that differ only in case, spacing, punctuation or ё/е."""
    return words_hash(normalised_words(f"{title}\n{body}"))


def words_hash(words: list[str]) -> str:
    """``content_hash`` of a text already split by ``normalised_words``."""
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


# Stored SimHash values and sketches are of this version of the algorithm; a database
# holding another has them recomputed when it is opened (core.db), since old and new never
# compare.
SIMHASH_VERSION = 3
# splitmix64's constants. A word's digest and a pair's feature are computed in numpy for a
# whole batch at once, not by a Python call per word or pair.
_GOLDEN, _MIX1, _MIX2 = (numpy.uint64(c) for c in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9,
                                                   0x94D049BB133111EB))
_SHIFTS = {n: numpy.uint64(n) for n in (21, 27, 29, 30, 31, 35)}


def _mix(z: numpy.ndarray) -> numpy.ndarray:
    """splitmix64's finaliser, in place: every input bit moves about half the output bits."""
    z ^= z >> _SHIFTS[30]
    z *= _MIX1
    z ^= z >> _SHIFTS[27]
    z *= _MIX2
    z ^= z >> _SHIFTS[31]
    return z


def simhash(text: str) -> int:
    """64-bit SimHash over words and word pairs, as a signed integer (fits BIGINT).

    Single words keep short, lightly edited texts close; pairs keep texts that
    share a vocabulary but not sentences apart. Each feature is 64 bits (a word's
    digest, ``_digests``; a pair's, its words' digests mixed in order); a bit of the
    result is set where more than half the features have it.
    """
    return words_simhash(normalised_words(text))


def words_simhash(words: list[str]) -> int:
    """``simhash`` of a text already split by ``normalised_words``."""
    return words_simhashes([words])[0]


def words_simhashes(texts: Sequence[list[str]]) -> list[int]:
    """``words_simhash`` of many texts at once: numpy's cost per call is paid per batch
    (a feed's new items), not per text."""
    return _simhashes(_digests(list(chain.from_iterable(texts))), _sizes(texts))


class Fingerprints(NamedTuple):
    simhash: int
    sketch: frozenset[str]


def words_fingerprints(texts: Sequence[list[str]], size: int = SKETCH_SIZE) -> list[Fingerprints]:
    """``words_simhash`` and ``words_sketch`` of many texts, from one digest of each word."""
    flat = list(chain.from_iterable(texts))
    lengths = _lengths(flat)
    single, sizes = _digests(flat, lengths), _sizes(texts)
    return list(map(Fingerprints, _simhashes(single, sizes),
                    _sketches(flat, lengths, single, sizes, size)))


def _lengths(words: Sequence[str]) -> numpy.ndarray:
    return numpy.fromiter(map(len, words), dtype=numpy.int64, count=len(words))


def _digests(words: Sequence[str], lengths: numpy.ndarray | None = None) -> numpy.ndarray:
    """A 64-bit digest of each word: the sum of one mixed (code point, place in the word)
    value per character, mixed with the word's length. One pass in numpy for all words."""
    lengths = _lengths(words) if lengths is None else lengths
    codes = numpy.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    ends = numpy.cumsum(lengths)
    starts = ends - lengths
    place = numpy.arange(1, len(codes) + 1) - numpy.repeat(starts, lengths)  # from 1
    characters = _mix((codes.astype(numpy.uint64) | (place.astype(numpy.uint64) << _SHIFTS[21]))
                      * _GOLDEN)
    totals = numpy.zeros(len(codes) + 1, dtype=numpy.uint64)
    numpy.cumsum(characters, out=totals[1:])  # modulo 2**64, as the sums are meant
    return _mix(totals[ends] - totals[starts] + lengths.astype(numpy.uint64) * _GOLDEN)


def _sizes(texts: Sequence[list[str]]) -> numpy.ndarray:
    return numpy.fromiter(map(len, texts), dtype=numpy.int64, count=len(texts))


def _simhashes(single: numpy.ndarray, sizes: numpy.ndarray) -> list[int]:
    """The SimHash of each run of ``sizes`` word digests."""
    ends = numpy.cumsum(sizes)
    starts = ends - sizes
    first, second = single[:-1], single[1:]
    # The second word rotated: "A B" and "B A" are different pairs.
    pair = _mix((first * _GOLDEN) ^ ((second << _SHIFTS[29]) | (second >> _SHIFTS[35])))
    # A text's pairs are single[i], single[i + 1] for i in [start, end - 1): the pair that
    # straddles two texts (i = end - 1) is counted by neither.
    pair_ends = numpy.minimum(numpy.maximum(ends - 1, starts), len(pair))
    ones = (_bit_counts(single, starts, ends)
            + _bit_counts(pair, numpy.minimum(starts, pair_ends), pair_ends))
    features = sizes + numpy.maximum(sizes - 1, 0)
    majority = ones > (features // 2)[:, None]  # most significant bit first
    # Each row's 64 bits as one big-endian signed integer (what a BIGINT holds).
    return numpy.packbits(majority, axis=1).view(">i8").ravel().tolist()


# A feature's 64 bits spread over 16 words of four 16-bit lanes (word k, lane l holds bit
# 16l + k): summing those words adds four bit counts at once, exact while a run has fewer
# than 2**16 features. Cheaper than summing one byte per bit (numpy.unpackbits).
_LANE_BITS = numpy.uint64(0x0001_0001_0001_0001)
_LANE_SHIFTS = numpy.arange(16, dtype=numpy.uint64)
_LANE_MAX = 0xFFFF
# Column c of the lane view (word c // 4, lane c % 4) holds bit 16 * (c % 4) + c // 4;
# the counts are wanted most significant bit first.
_LANE_ORDER = numpy.argsort([63 - (16 * (c % 4) + c // 4) for c in range(64)])


def _bit_counts(features: numpy.ndarray, starts: numpy.ndarray, ends: numpy.ndarray) -> numpy.ndarray:
    """For each [start, end) run of 64-bit features, how many have each bit set (a row
    of 64 counts, most significant bit first), in one call for all runs."""
    counts = numpy.zeros((len(starts), 64), dtype=numpy.int64)
    runs = numpy.flatnonzero(ends > starts)
    if not len(runs):
        return counts
    # reduceat sums rows[i[k]:i[k + 1]]: given each run's start then its end, the even
    # rows are the runs' sums (the odd ones, the gaps between runs, are dropped). A
    # zero row after the last feature makes the last run's end a valid index.
    bounds = numpy.column_stack((starts[runs], ends[runs])).ravel()
    if int((ends[runs] - starts[runs]).max()) > _LANE_MAX:
        bits = numpy.unpackbits(features.astype(">u8").view(numpy.uint8)).reshape(-1, 64)
        padded = numpy.vstack((bits, numpy.zeros((1, 64), dtype=numpy.uint8)))
        counts[runs] = numpy.add.reduceat(padded, bounds, axis=0, dtype=numpy.int64)[::2]
        return counts
    spread = numpy.empty((len(features) + 1, 16), dtype=numpy.uint64)
    numpy.right_shift(features[:, None], _LANE_SHIFTS, out=spread[:-1])
    spread[:-1] &= _LANE_BITS
    spread[-1] = 0
    sums = numpy.add.reduceat(spread, bounds, axis=0)[::2]
    lanes = sums.astype("<u8").view("<u2")  # (runs, 64): word by word, lane by lane
    counts[runs] = lanes[:, _LANE_ORDER]
    return counts


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def sketch(text: str, size: int = SKETCH_SIZE) -> frozenset[str]:
    """The ``size`` words of the text with the smallest hashes (a bottom-k MinHash sketch).

    Texts whose word sets overlap by Jaccard J share their minimum-hash word with
    probability J, and some word of their sketches with a far higher one, so the
    sketch words index near-duplicate candidates without comparing every pair.
    """
    return words_sketch(normalised_words(text), size)


def words_sketch(words: list[str], size: int = SKETCH_SIZE) -> frozenset[str]:
    """``sketch`` of a text already split by ``normalised_words``."""
    lengths = _lengths(words)
    return _sketches(words, lengths, _digests(words, lengths), _sizes([words]), size)[0]


def _sketches(flat: Sequence[str], lengths: numpy.ndarray, single: numpy.ndarray,
              sizes: numpy.ndarray, size: int) -> list[frozenset[str]]:
    """``words_sketch`` of each run of ``sizes`` words of ``flat`` (``lengths``, ``single``:
    their lengths and digests), sorted in C: by text, then digest; a word's repeats (equal
    digests in one text) dropped; the first ``size`` of each text kept."""
    owner = numpy.repeat(numpy.arange(len(sizes)), sizes)
    eligible = numpy.flatnonzero(lengths > 2)
    # By digest, then (a stable sort, so still by digest within) by text: two sorts in C
    # that beat one lexsort on both keys several times over.
    by_digest = eligible[numpy.argsort(single[eligible])]
    order = by_digest[numpy.argsort(owner[by_digest], kind="stable")]
    texts, digests = owner[order], single[order]
    distinct = numpy.ones(len(order), dtype=bool)
    distinct[1:] = (texts[1:] != texts[:-1]) | (digests[1:] != digests[:-1])
    order, texts = order[distinct], texts[distinct]
    rank = numpy.arange(len(order)) - numpy.searchsorted(texts, texts)  # place in its text
    taken = rank < size
    found: list[list[str]] = [[] for _ in range(len(sizes))]
    for at, text in zip(order[taken].tolist(), texts[taken].tolist(), strict=True):
        found[text].append(flat[at])
    return list(map(frozenset, found))


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' word sets (0..1)."""
    left, right = set(normalised_words(a)), set(normalised_words(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)

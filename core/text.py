"""Text primitives shared by matching and dedupe: normalisation and tokenisation.

Tokens keep their offsets in the original string, so a match can be highlighted
in the text the reader sees.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Soft hyphen, zero-width space/joiners, word joiner, BOM: invisible, but they split words.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACE = re.compile(r"\s+")
# Letters (Latin, Cyrillic, Georgian and the rest) and digits; hyphens and
# apostrophes split, so "Russian-Georgian" is two words.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_WORD = re.compile(r"\w+")
_SPAN = re.Match.span
# Inside a word, invisible characters and combining marks left after NFKC (Russian
# stress accents: "Гру\u0301зия") are dropped, not taken for a word break.
_INSIDE = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u0300-\u036f"
_HAS_INSIDE = re.compile(f"[{_INSIDE}]")
_TOKEN_WITH_INSIDE = re.compile(rf"(?:[^\W_][{_INSIDE}]*)+")
_DROP_INSIDE = re.compile(f"[{_INSIDE}]+")


class Token(NamedTuple):
    """A word: normalised text and its offsets in the original string (a tuple, as
    tokenising runs over every word of every article)."""

    text: str
    start: int
    end: int


def fold(text: str) -> str:
    """Case-fold and merge ё into е (Russian writes both for one letter)."""
    return text.casefold().replace("ё", "е")


def normalize(text: str) -> str:
    """NFKC, invisible characters removed, case-folded, ё→е, whitespace collapsed."""
    cleaned = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return _SPACE.sub(" ", fold(cleaned)).strip()


def _is_plain(text: str, folded: str) -> bool:
    """Folding kept every offset and nothing needs normalising: the common case, where
    a word is a run of the folded text."""
    return (len(folded) == len(text) and _HAS_INSIDE.search(text) is None
            and unicodedata.is_normalized("NFKC", folded))


def words_are_normalised(text: str) -> bool:
    """Whether ``words(text)`` equals ``core.hashing.normalised_words(text)``: for text that
    is NFKC already and holds no "_", invisible character or combining mark (most text),
    both are the case-folded text's \\w+ runs, so a caller holding one has the other."""
    folded = fold(text)
    return "_" not in folded and _is_plain(text, folded) and unicodedata.is_normalized("NFKC", text)


def _word(raw: str) -> str:
    return fold(_DROP_INSIDE.sub("", unicodedata.normalize("NFKC", raw)))


def _words_of(folded: str) -> re.Pattern[str]:
    # \w is the token class plus "_", and the regex engine runs it twice as fast.
    return _WORD if "_" not in folded else _TOKEN


def tokenize(text: str) -> list[Token]:
    """Words with their offsets in ``text``."""
    folded = fold(text)
    if _is_plain(text, folded):
        return [Token(m.group(), m.start(), m.end()) for m in _words_of(folded).finditer(folded)]
    return [Token(word, m.start(), m.end()) for m in _TOKEN_WITH_INSIDE.finditer(text)
            if (word := _word(m.group()))]


def words(text: str) -> list[str]:
    """The texts of ``tokenize(text)``, without offsets (the fast path for matching)."""
    folded = fold(text)
    if _is_plain(text, folded):
        return _words_of(folded).findall(folded)
    return [word for m in _TOKEN_WITH_INSIDE.finditer(text) if (word := _word(m.group()))]


def spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets in ``text`` of each word of ``words(text)``."""
    folded = fold(text)
    if _is_plain(text, folded):
        return list(map(_SPAN, _words_of(folded).finditer(folded)))
    return [m.span() for m in _TOKEN_WITH_INSIDE.finditer(text) if _word(m.group())]


def script_of(word: str) -> str | None:
    """'ka', 'ru' or 'en' by the word's first letter's script; None for digits and others."""
    for char in word:
        if "\u10a0" <= char <= "\u10ff" or "\u1c90" <= char <= "\u1cbf":
            return "ka"
        if "\u0400" <= char <= "\u04ff":
            return "ru"
        if char.isascii() and char.isalpha():
            return "en"
    return None


def detect_script_language(text: str) -> str | None:
    """The language whose script dominates the letters of ``text``."""
    counts = {"ka": 0, "ru": 0, "en": 0}
    for char in text:
        if char.isalpha():
            script = script_of(char)
            if script:
                counts[script] += 1
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else None

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


def tokenize(text: str) -> list[Token]:
    """Words with their offsets in ``text``."""
    visible = text.translate(_SPACE_FOR_INVISIBLE)
    folded = fold(visible)
    if len(folded) == len(visible) and unicodedata.is_normalized("NFKC", folded):
        # The common case: folding kept every offset, so fold once, not per word.
        return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    tokens = []
    for match in _TOKEN.finditer(visible):
        word = unicodedata.normalize("NFKC", match.group())
        tokens.append(Token(fold(word), match.start(), match.end()))
    return tokens


# Invisible characters become spaces for tokenising, which keeps offsets stable.
_SPACE_FOR_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), " ")


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

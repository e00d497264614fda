"""A cheap, explainable signal that an English and a Russian (or Georgian) article
tell the same story: they share numbers, dates and named entities.

Agency copy in two languages keeps its facts: "Galuzin", "Галузин"; "3.5 billion",
"3,5 млрд"; "November 20", "20 ноября". Each article is reduced to a signature of
such anchors (names transliterated to Latin and cut to a 5-letter stem, numbers
normalised, month names mapped to their number), and two articles in different
languages published close together join one story when their signatures overlap
enough. Every anchor shared is listed, so a merge can be explained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))
_GEORGIAN = dict(zip(
    "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    ["a", "b", "g", "d", "e", "v", "z", "t", "i", "k", "l", "m", "n", "o", "p", "zh", "r", "s",
     "t", "u", "p", "k", "gh", "q", "sh", "ch", "ts", "dz", "ts", "ch", "kh", "j", "h"],
    strict=True,
))
_MONTHS = {
    **{m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july",
                                   "august", "september", "october", "november", "december"], 1)},
    **{m: i for i, m in enumerate(["январ", "феврал", "март", "апрел", "ма", "июн", "июл",
                                   "август", "сентябр", "октябр", "ноябр", "декабр"], 1)},
}
# Thousands written 15,000 / 15 000 / 15.000 are one number; 3,5 and 3.5 another.
# (Both number forms start with the one \d the engine then tests once per position.)
_WORD = re.compile(r"[^\W\d_]+|\d(?:\d{0,2}(?:[ ,.\u00a0\u202f]\d{3})+(?!\d)|\d*(?:[.,]\d+)?)")
_LETTER = re.compile(r"[^\W\d_]")  # what a word of _WORD is made of
_GROUPED = re.compile(r"\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})+")
# Capitalised words that start sentences or are common everywhere carry no signal.
_STOP = {"the", "this", "that", "these", "they", "there", "when", "what", "according", "however",
         "meanwhile", "earlier", "later", "also", "moscow", "tass", "москва", "тасс", "reuters"}
# Same story: at least this many anchors shared, two of them names (a dateline's day
# and month are shared by every article of that day), covering half the shorter text's.
MIN_SHARED = 4
MIN_SHARED_NAMES = 2
MIN_OVERLAP = 0.5
STRONG_NAMES = 4
STRONG_OVERLAP = 0.3


def _is_number_or_month(anchor: str) -> bool:
    return anchor.startswith("#") or (anchor[0] == "m" and anchor[1:].isdigit())


@lru_cache(maxsize=1 << 16)
def transliterate(word: str) -> str:
    out = []
    for char in word.lower():
        out.append(_CYRILLIC.get(char) or _GEORGIAN.get(char) or char)
    # Spelling variants of the same sound across transliteration systems.
    return "".join(out).replace("kh", "h").replace("ts", "c").replace("y", "i").replace("j", "i")


# Russian month stems take up to two letters of ending ("ноября", "мае"): by first two letters.
_MONTH_STEMS: dict[str, list[tuple[str, int]]] = {}
for _stem, _number in _MONTHS.items():
    if not _stem.isascii():
        _MONTH_STEMS.setdefault(_stem[:2], []).append((_stem, _number))


def _month(word: str) -> int | None:
    lowered = word.lower()
    if lowered in _MONTHS:
        return _MONTHS[lowered]
    for stem, number in _MONTH_STEMS.get(lowered[:2], ()):
        if lowered.startswith(stem) and len(lowered) <= len(stem) + 2:
            return number
    return None


def _starts_sentence(text: str, start: int) -> bool:
    return start == 0 or text[max(0, start - 2):start].strip() in (".", "!", "?", "")


def _token_anchor(token: str) -> tuple[str, bool]:
    """The anchor a token gives ("" for none), and whether it is a name, which counts
    only where it does not start a sentence."""
    if token[0].isdigit():
        number = re.sub(r"\D", "", token) if _GROUPED.fullmatch(token) else token.replace(",", ".")
        return ("" if number in ("0", "1") else f"#{number}"), False
    if (month := _month(token)) is not None:
        return f"m{month}", False
    if token[0].isupper() and len(token) >= 4:
        stem = transliterate(token)[:5]
        return ("" if token.lower() in _STOP or stem in _STOP else stem), True
    if "\u10a0" <= token[0] <= "\u10ff" and len(token) >= 5:
        # Georgian has no capitals: every long word is a candidate anchor.
        return transliterate(token)[:5], False
    return "", False


def _named_inside_a_sentence(text: str, token: str) -> bool:
    """Whether the token occurs as a whole word other than at a sentence's start."""
    start = text.find(token)
    while start >= 0:
        end = start + len(token)
        if not (start and _LETTER.match(text, start - 1)) and not _LETTER.match(text, end) \
                and not _starts_sentence(text, start):
            return True
        start = text.find(token, end)
    return False


# A token's anchor does not depend on the text around it, so each distinct token is
# classified once and kept: a text's anchors are then set operations in C, not a Python
# loop over its words. Forgotten together past the limit, not grown.
_LEARNED_LIMIT = 1 << 17
_learned: set[str] = set()  # every token classified, most of them anchoring nothing
_plain_anchor: dict[str, str] = {}  # numbers, months, Georgian words
_name_anchor: dict[str, str] = {}  # names: they count only inside a sentence


def _learn(tokens: set[str], every: set[str]) -> None:
    if len(_learned) + len(tokens) > _LEARNED_LIMIT:
        _learned.clear()
        _plain_anchor.clear()
        _name_anchor.clear()
        tokens = every  # the text's other tokens were forgotten too
    for token in tokens:
        anchor, name = _token_anchor(token)
        if anchor:
            (_name_anchor if name else _plain_anchor)[token] = anchor
    _learned.update(tokens)  # last: a token is never learned before its anchor is kept


def signature(text: str) -> frozenset[str]:
    """Numbers, months and transliterated name stems of a text."""
    tokens = set(_WORD.findall(text))
    new = tokens - _learned
    if new:
        _learn(new, tokens)
    anchors = set(map(_plain_anchor.__getitem__, _plain_anchor.keys() & tokens))
    # A name's occurrences are looked up with str.find, far cheaper than walking every
    # word of the text in Python.
    for token in _name_anchor.keys() & tokens:
        anchor = _name_anchor[token]
        if anchor not in anchors and _named_inside_a_sentence(text, token):
            anchors.add(anchor)
    return frozenset(anchors)


@dataclass(frozen=True)
class Agreement:
    shared: frozenset[str]
    overlap: float

    @property
    def same_story(self) -> bool:
        names = sum(1 for anchor in self.shared if (anchor[0].isalpha() and anchor[0] != "m")
                    or (anchor[:1] == "m" and not anchor[1:].isdigit()))
        if len(self.shared) >= MIN_SHARED and names >= MIN_SHARED_NAMES \
                and self.overlap >= MIN_OVERLAP:
            return True
        # Many shared names are strong evidence even when one text is much longer
        # (Georgian texts, without capitals, contribute every long word).
        return names >= STRONG_NAMES and self.overlap >= STRONG_OVERLAP


def compare(left: frozenset[str], right: frozenset[str]) -> Agreement:
    if not left or not right:
        return Agreement(frozenset(), 0.0)
    shared = left & right
    return Agreement(frozenset(shared), len(shared) / min(len(left), len(right)))

"""Stems for matching inflected forms: Snowball for English and Russian, and a
documented affix stripper for Georgian, which Snowball does not cover.

Georgian: one case ending or postposition (with the genitive/dative it attaches
to, e.g. -სთან, -ისთვის) and the plural -ებ- are stripped, then every trailing
vowel, so that საქართველო, საქართველოს, საქართველოში, საქართველომ all give
საქართველ, რუსეთი, რუსეთის, რუსეთთან, რუსეთმა give რუსეთ, and თბილისი,
თბილისში, თბილისთან, თბილისისთვის give თბილის. It conflates more
than a dictionary would; rules that need precision use phrases or prefixes.

Stems are cached per word: news reuses a small vocabulary, and matching stems every
distinct word of every article. Snowball runs as C when PyStemmer is installed (a
dependency), else in pure Python with the same results.
"""

from __future__ import annotations

from collections.abc import Iterable

import snowballstemmer

from core.text import script_of

_STEMMERS = {"en": snowballstemmer.stemmer("english"), "ru": snowballstemmer.stemmer("russian")}
GEORGIAN_SUFFIXES = sorted(
    ["ებისთვის", "ისთვის", "სთვის", "თვის", "ებისგან", "ისგან", "სგან", "ებიდან", "იდან", "დან",
     "ებისკენ", "ისკენ", "სკენ", "ებისმიერ", "ებთან", "სთან", "თან", "ებში", "ში", "ებზე", "ზე",
     "ებმა", "მა", "ებით", "ით", "ებად", "ად", "ების", "ებს", "ები", "ის", "ამდე", "მდე",
     "ს", "მ", "დ"],
    key=len, reverse=True,
)
GEORGIAN_VOWELS = frozenset("აეიოუ")
MIN_GEORGIAN_STEM = 3


def georgian_stem(word: str) -> str:
    for suffix in GEORGIAN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_GEORGIAN_STEM:
            rest = word[: -len(suffix)]
            # -სთან, -სთვის, -სგან, -სკენ: a dative ს on a vowel stem (საქართველო-ს-თან),
            # or a root's own ს (თბილის-თან). A stem in ი is almost always the latter,
            # since nouns in -ი are consonant stems: keep the ს, so that თბილისთან
            # gives თბილის, as თბილისი does, and not თბილ ("warm").
            if suffix[0] == "ს" and len(suffix) > 1 and rest.endswith("ი"):
                rest = word[: -len(suffix) + 1]
            word = rest
            break
    if word.endswith("ებ") and len(word) - 2 >= MIN_GEORGIAN_STEM:
        word = word[:-2]
    while len(word) > MIN_GEORGIAN_STEM and word[-1] in GEORGIAN_VOWELS:
        word = word[:-1]
    return word


CACHE_LIMIT = 500_000  # distinct words kept stemmed; cleared, not grown, past this
_cache: dict[str, str] = {}


def stem(token: str) -> str:
    """The stem of a normalised token, chosen by the token's own script (a token with
    no Latin, Cyrillic or Georgian letter, such as a number, is its own stem)."""
    found = _cache.get(token)
    if found is None:
        found = _stem_words(script_of(token) or "", [token])[0]
        if len(_cache) >= CACHE_LIMIT:
            _cache.clear()
        _cache[token] = found
    return found


def stem_many(tokens: Iterable[str]) -> list[str]:
    """``stem`` of each token, in order: the ones not yet cached are stemmed a script at
    a time, in one call to the stemmer each (a call per word costs more than the stemming)."""
    tokens = list(tokens)
    missing = {token for token in tokens if token not in _cache}
    if missing:
        if len(_cache) + len(missing) > CACHE_LIMIT:
            _cache.clear()
            missing = set(tokens)
        by_script: dict[str, list[str]] = {}
        for token in missing:
            by_script.setdefault(script_of(token) or "", []).append(token)
        for script, words in by_script.items():
            _cache.update(zip(words, _stem_words(script, words), strict=True))
    return list(map(_cache.__getitem__, tokens))


def _stem_words(script: str, words: list[str]) -> list[str]:
    """The stems of words all of one script ("" for none: each its own stem)."""
    if script == "ka":
        return list(map(georgian_stem, words))
    stemmer = _STEMMERS.get(script)
    return stemmer.stemWords(words) if stemmer else list(words)


def stem_cache() -> dict[str, str]:
    """Words already stemmed (read-only for callers): a dict lookup is the fast path of
    ``stem`` when every distinct word of an article is stemmed."""
    return _cache

"""Stems for matching inflected forms: Snowball for English and Russian, and a
documented affix stripper for Georgian, which Snowball does not cover.

Georgian: one case ending or postposition (with the genitive/dative it attaches
to, e.g. -სთან, -ისთვის) and the plural -ებ- are stripped, then every trailing
vowel, so that საქართველო, საქართველოს, საქართველოში, საქართველომ all give
საქართველ, and რუსეთი, რუსეთის, რუსეთთან, რუსეთმა give რუსეთ. It conflates more
than a dictionary would; rules that need precision use phrases or prefixes.
"""

from __future__ import annotations

from functools import lru_cache

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
            word = word[: -len(suffix)]
            break
    if word.endswith("ებ") and len(word) - 2 >= MIN_GEORGIAN_STEM:
        word = word[:-2]
    while len(word) > MIN_GEORGIAN_STEM and word[-1] in GEORGIAN_VOWELS:
        word = word[:-1]
    return word


@lru_cache(maxsize=200_000)
def stem(token: str, language: str | None = None) -> str:
    """The stem of a normalised token, chosen by the token's own script."""
    script = script_of(token) or language
    if script == "ka":
        return georgian_stem(token)
    stemmer = _STEMMERS.get(script or "")
    return stemmer.stemWord(token) if stemmer else token

"""A document prepared once for every rule: its words, where each occurs, their stems.

Prepared inside a rule set, a document's stems, prefixes and phrase words come from
the rule set's knowledge of words (index.RuleIndex): only the words that carry one
of the rules' lookups are looked at. Prepared alone, every word is stemmed.

Title words come first, then the body's, with a gap of TITLE_GAP positions between
them so NEAR and phrases never span the two.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from itertools import compress, count
from typing import Protocol, cast

from core.stemming import stem, stem_cache
from core.text import spans, words

TITLE_GAP = 1000  # positions between the title's last token and the body's first
PREFIX_MARK = "*"  # marks a prefix among stems (tokens never hold it)
WORD_MARK = "="  # marks a word looked up as written (a phrase's first word)


@dataclass
class Document:
    title: str
    body: str
    source: str = ""
    language: str = ""
    # core.text.words of the title and of the body, when the caller has them already
    # (ingest does, for the fingerprints): how many are the title's, then all of them.
    words: tuple[int, list[str]] | None = None


class Positions:
    """Where each value of a sequence occurs, looked up as a read-only mapping.

    Only the set of values is built up front, in C: the candidate search needs no
    more, and most documents match no rule. The positions are grouped in one pass
    when first asked for, as a document tried on a few rules is asked about dozens
    of its words.
    """

    __slots__ = ("_sequence", "_where", "present")

    def __init__(self, sequence: list[str]) -> None:
        self._sequence = sequence
        # The values that occur (read-only): tested with ``in`` and intersected, in C.
        self.present: AbstractSet[str] = set(sequence)
        self._where: dict[str, list[int]] | None = None

    @classmethod
    def grouped(cls, where: dict[str, list[int]]) -> Positions:
        """Positions already grouped by value."""
        positions = cls([])
        positions._where, positions.present = where, where.keys()
        return positions

    def __iter__(self) -> Iterator[str]:
        return iter(self.present)

    def _group(self) -> dict[str, list[int]]:
        where: dict[str, list[int]] = {}
        for at, each in enumerate(self._sequence):
            found = where.get(each)
            if found is None:
                where[each] = [at]
            else:
                found.append(at)
        self._where = where
        return where

    def get(self, value: str, default: list[int] | None = None) -> list[int] | None:
        """The positions of ``value``, ascending (a shared list: not to be changed)."""
        return (self._where or self._group()).get(value, default)

    def __getitem__(self, value: str) -> list[int]:
        return (self._where or self._group())[value]


class KnownWords(Protocol):
    """A rule set's knowledge of words (index.RuleIndex)."""

    @property
    def lookups(self) -> AbstractSet[str]:
        """The stems, PREFIX_MARK'd prefixes and WORD_MARK'd phrase words its rules'
        terms look up."""

    def resolve(self, words: AbstractSet[str]) -> Mapping[str, ResolvedWord]:
        """For each of ``words`` that leads anywhere: the rule clauses it satisfies and
        the lookups it carries."""


class ResolvedWord(Protocol):
    @property
    def clauses(self) -> tuple[int, ...]: ...
    @property
    def lookups(self) -> tuple[str, ...]: ...


class Prepared:
    """A document tokenised once for every rule.

    This runs for every article against every rule set, so only what the candidate
    search needs is built up front (its words and the set of them); stems, positions,
    and offsets for snippets are computed when a rule gets that far. Prepared with a
    rule set's ``known`` words, it answers only for that rule set's stems, prefixes
    and phrase words.
    """

    def __init__(self, doc: Document, known: KnownWords | None = None) -> None:
        self.doc = doc
        self.known = known
        if doc.words is not None:
            self.title_count, self.words = doc.words
        else:
            title_words = words(doc.title)
            self.title_count = len(title_words)
            self.words = title_words + words(doc.body)
        self.by_word = Positions(self.words)
        self._prefix_hits: dict[str, list[int]] = {}
        self._spans: dict[bool, list[tuple[int, int]]] = {}
        # An alias's hits and matched entries, by (alias, field): a rule names the same
        # alias in several clauses, and every rule of a set shares the document.
        self.alias_hits: dict[tuple[str, str], tuple[set[int], list[str]]] = {}
        self.source = doc.source.casefold()
        self.language = doc.language.casefold()

    @cached_property
    def by_stem(self) -> Positions:
        """Where each stem occurs: built only for a document some rule is tried on."""
        if self.known is not None:  # the rule set's stems (and prefixes) are all it asks for
            return Positions.grouped(self._looked_up)
        word_stems = list(map(stem_cache().get, self.words))
        if None in word_stems:
            word_stems = list(map(stem, self.words))
        return Positions(cast(list[str], word_stems))

    @cached_property
    def resolved(self) -> Mapping[str, ResolvedWord]:
        """What the rule set knows of this document's words (those that lead anywhere)."""
        if self.known is None:
            raise TypeError("a document prepared outside a rule set has no resolved words")
        return self.known.resolve(self.by_word.present)

    @cached_property
    def _looked_up(self) -> dict[str, list[int]]:
        """Where each of the rule set's stems, prefixes and phrase words occurs: one
        pass in C marks the few words that carry one."""
        resolved = self.resolved
        carriers = {word for word, known in resolved.items() if known.lookups}
        found: dict[str, list[int]] = {}
        if carriers:
            words = self.words
            for at in compress(count(), map(carriers.__contains__, words)):
                for key in resolved[words[at]].lookups:
                    found.setdefault(key, []).append(at)
        return found

    @cached_property
    def positions(self) -> list[int]:
        """Each word's position; the body starts TITLE_GAP after the title, so NEAR and
        phrases never span the two."""
        body_offset = self.title_count + TITLE_GAP
        return [*range(self.title_count),
                *range(body_offset, body_offset + len(self.words) - self.title_count)]

    def spans(self, in_title: bool) -> list[tuple[int, int]]:
        """Offsets of the title's or the body's words in the text the reader sees:
        computed only for articles that matched, once for all their rules' snippets."""
        found = self._spans.get(in_title)
        if found is None:
            found = self._spans[in_title] = spans(self.doc.title if in_title else self.doc.body)
        return found

    @cached_property
    def _sorted_words(self) -> list[str]:
        return sorted(self.by_word)

    def is_title(self, index: int) -> bool:
        return index < self.title_count

    def word_hits(self, word: str) -> list[int]:
        """Positions of ``word`` as written (a shared list: not to be changed)."""
        if self.known is not None and WORD_MARK + word in self.known.lookups:
            return self._looked_up.get(WORD_MARK + word, [])
        return self.by_word.get(word) or []

    def prefix_hits(self, prefix: str) -> list[int]:
        """Positions of the words that start with ``prefix`` (a shared list: not to be changed)."""
        if self.known is not None and PREFIX_MARK + prefix in self.known.lookups:
            return self._looked_up.get(PREFIX_MARK + prefix, [])
        found = self._prefix_hits.get(prefix)
        if found is None:  # computed on demand: only candidate rules' prefixes are needed
            found = []
            ordered = self._sorted_words
            for at in range(bisect_left(ordered, prefix), len(ordered)):
                if not ordered[at].startswith(prefix):
                    break
                found.extend(self.by_word[ordered[at]])
            self._prefix_hits[prefix] = found
        return found

"""A document prepared once for every rule: its words, where each occurs, their stems.

Title words come first, then the body's, with a gap of TITLE_GAP positions between
them so NEAR and phrases never span the two.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from typing import cast

from core.stemming import stem, stem_cache
from core.text import spans, words

TITLE_GAP = 1000  # positions between the title's last token and the body's first


@dataclass
class Document:
    title: str
    body: str
    source: str = ""
    language: str = ""


class Positions:
    """Where each value of a sequence occurs, looked up as a read-only mapping.

    Only the set of values is built up front, in C; a value's positions are found
    when first asked for (repeated ``list.index``, also C), since a document is
    asked about a few dozen of its two hundred words at most.
    """

    __slots__ = ("_found", "_sequence", "present")

    def __init__(self, sequence: list[str]) -> None:
        self._sequence = sequence
        # The values that occur (read-only): tested with ``in`` and intersected, in C.
        self.present = set(sequence)
        self._found: dict[str, list[int]] = {}

    def __iter__(self) -> Iterator[str]:
        return iter(self.present)

    def get(self, value: str, default: list[int] | None = None) -> list[int] | None:
        found = self._found.get(value)
        if found is None:
            if value not in self.present:
                return default
            found = []
            index, at = self._sequence.index, -1
            with suppress(ValueError):
                while True:
                    at = index(value, at + 1)
                    found.append(at)
            self._found[value] = found
        return found

    def __getitem__(self, value: str) -> list[int]:
        found = self.get(value)
        if found is None:
            raise KeyError(value)
        return found


class Prepared:
    """A document tokenised once for every rule.

    This runs for every article against every rule set, so only what the candidate
    search needs is built up front (words, their positions, their stems); offsets for
    snippets and positions for NEAR are computed when a rule gets that far.
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        title_words = words(doc.title)
        self.title_count = len(title_words)
        self.words = title_words + words(doc.body)
        self.by_word = Positions(self.words)
        word_stems = list(map(stem_cache().get, self.words))
        if None in word_stems:
            word_stems = list(map(stem, self.words))
        self.by_stem = Positions(cast(list[str], word_stems))
        self._prefix_hits: dict[str, list[int]] = {}
        self._spans: dict[bool, list[tuple[int, int]]] = {}
        self.source = doc.source.casefold()
        self.language = doc.language.casefold()

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

    def prefix_hits(self, prefix: str) -> list[int]:
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

"""What a rule set knows about words: which rule clauses each satisfies, and which of
the rules' stems, prefixes and phrase words it carries.

Rules are indexed by their required clauses (see compiled.required_clauses): sets of
keys (stems, the first words of phrases, the first letters of prefixes) a matching
document holds one of each of, so "a AND b" is tried only where both could be.

Resolving a word means stemming it and trying each prefix length, so it is done
once per distinct word and kept: news reuses its vocabulary. A document's candidate
search is then two set operations in C and a count of the few clauses its words
satisfy, and its terms' hits come from the few words that carry a rule's stem,
prefix or phrase word, with no stemming of the document at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence, Set
from typing import NamedTuple

from alerts.rules.compiled import Clauses
from alerts.rules.document import PREFIX_MARK, WORD_MARK, ResolvedWord
from core.stemming import stem_many

LEARNED_LIMIT = 200_000  # distinct words remembered; forgotten together, not grown, past this


class Resolved(NamedTuple):
    """What a word leads to."""

    clauses: tuple[int, ...]  # the rule clauses it satisfies (it is one of their keys)
    lookups: tuple[str, ...]  # the rules' stems, prefixes and phrase words it carries


class RuleIndex:
    def __init__(self, required: Sequence[Clauses | None], lookups: Set[str]) -> None:
        """``required``: each rule's required clauses (None: tried on every document);
        ``lookups``: the stems, PREFIX_MARK'd prefixes and WORD_MARK'd phrase words the
        rules' terms look up (see compiled.lookup_keys)."""
        self._always: list[int] = []  # rules with no required clause, tried on every document
        self._rule_of_clause: list[int] = []  # clause id -> rule ordinal
        self._clauses_of_rule: list[int] = []  # rule ordinal -> how many clauses it has
        self._by_key: dict[str, list[int]] = {}  # stems and words -> clause ids
        self._by_prefix: dict[str, list[int]] = {}  # the first letters of prefix terms
        for ordinal, clauses in enumerate(required):
            self._clauses_of_rule.append(len(clauses or ()))
            if clauses is None:
                self._always.append(ordinal)
                continue
            for clause in clauses:
                clause_id = len(self._rule_of_clause)
                self._rule_of_clause.append(ordinal)
                for key in clause:
                    if key.startswith(PREFIX_MARK):
                        self._by_prefix.setdefault(key[1:], []).append(clause_id)
                    else:
                        self._by_key.setdefault(key, []).append(clause_id)
        self._required_prefix_lengths = sorted({len(key) for key in self._by_prefix})
        self.lookups = frozenset(lookups)
        self._prefixes: dict[int, set[str]] = {}  # the looked-up prefixes, by length
        for key in self.lookups:
            if key.startswith(PREFIX_MARK):
                self._prefixes.setdefault(len(key) - 1, set()).add(key[1:])
        # Most words lead nowhere: one that meets no key, no stem or phrase word looked up,
        # and begins as no prefix does is passed over without trying each prefix length.
        self._word_keys = self._by_key.keys() | {
            key[1:] for key in self.lookups if key.startswith(WORD_MARK)}
        self._stem_keys = self._by_key.keys() | self.lookups
        every_prefix = [*self._by_prefix, *(key[1:] for key in self.lookups
                                            if key.startswith(PREFIX_MARK))]
        self._start_length = min(map(len, every_prefix), default=0)
        self._prefix_starts = {prefix[:self._start_length] for prefix in every_prefix}
        self._learned: set[str] = set()  # words resolved, whether or not they lead anywhere
        self._resolved: dict[str, Resolved] = {}  # only the words that lead somewhere

    def candidates(self, resolved: Iterable[ResolvedWord]) -> list[int]:
        """Ordinals, ascending, of the rules every clause of which a document's resolved
        words satisfy."""
        satisfied: set[int] = set()
        for known in resolved:
            satisfied.update(known.clauses)
        held = Counter(map(self._rule_of_clause.__getitem__, satisfied))
        needed = self._clauses_of_rule
        return sorted([*self._always, *(rule for rule, n in held.items() if n == needed[rule])])

    def resolve(self, words: Set[str]) -> dict[str, Resolved]:
        """What each of a document's (distinct) words leads to, for those that lead anywhere."""
        new = words - self._learned
        if new:
            self._learn(new, words)
        resolved = self._resolved
        return {word: resolved[word] for word in resolved.keys() & words}

    def _learn(self, new: Set[str], words: Set[str]) -> None:
        if len(self._learned) + len(new) > LEARNED_LIMIT:
            self._learned.clear()
            self._resolved.clear()
            new = words  # the document's other words were forgotten too
        by_key, by_prefix, lookups = self._by_key, self._by_prefix, self.lookups
        word_keys, stem_keys = self._word_keys, self._stem_keys
        starts, start_length = self._prefix_starts, self._start_length
        learning = list(new)
        for word, word_stem in zip(learning, stem_many(learning), strict=True):
            if word not in word_keys and word_stem not in stem_keys \
                    and word[:start_length] not in starts:
                continue
            clauses = [*by_key.get(word, ()), *by_key.get(word_stem, ())]
            for length in self._required_prefix_lengths:
                clauses.extend(by_prefix.get(word[:length], ()))
            carried = [word_stem] if word_stem in lookups else []
            for length, prefixes in self._prefixes.items():
                if word[:length] in prefixes:
                    carried.append(PREFIX_MARK + word[:length])
            if WORD_MARK + word in lookups:
                carried.append(WORD_MARK + word)
            if clauses or carried:
                self._resolved[word] = Resolved(tuple(set(clauses)), tuple(carried))
        # Added last: a word is never taken as learned before what it leads to is recorded.
        self._learned |= new

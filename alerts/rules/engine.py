"""Compiled queries and the rule set.

A rule set indexes its rules by the keys (stems, prefixes, first words of phrases)
their queries cannot match without, so a document is evaluated only against rules
that could match, however many rules there are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from alerts.rules.compiled import (
    Clauses,
    Evaluator,
    describe,
    evaluator,
    lookup_keys,
    required_clauses,
    term_words,
)
from alerts.rules.document import Document, Prepared
from alerts.rules.index import RuleIndex
from alerts.rules.parser import (
    Alias,
    Node,
    QueryError,
    Term,
    parse_alias_term,
    parse_query,
    walk,
)
from alerts.rules.snippet import make_snippet

TITLE_WEIGHT = 3.0


class RuleError(ValueError):
    """A rule whose query or aliases do not compile."""

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(f"rule {rule!r}: {message}")


class RuleSpec(Protocol):
    """What a rule needs (core.config.RuleConfig has these attributes)."""

    @property
    def name(self) -> str: ...
    @property
    def query(self) -> str: ...
    @property
    def channels(self) -> list[str]: ...
    @property
    def min_score(self) -> float: ...


@dataclass
class AdHocRule:
    """A rule not from settings.toml: a backtested query, a benchmark's, a test's."""

    name: str
    query: str
    channels: list[str] = field(default_factory=list)
    min_score: float = 0.0


@dataclass(slots=True)  # made for every match of every article
class RuleMatch:
    rule: str
    channels: list[str]
    score: float
    matched: list[str]
    snippet: str
    highlights: list[tuple[int, int]]


@dataclass(slots=True)
class QueryResult:
    positions: set[int]  # token positions hit (title tokens first)
    matched: list[str]  # query terms that hit, as written
    score: float


@dataclass
class CompiledQuery:
    source: str
    tree: Node
    aliases: Mapping[str, tuple[Term, ...]]
    clauses: Clauses | None  # see required_clauses: None means every document
    lookups: frozenset[str]  # see lookup_keys
    evaluator: Evaluator = field(repr=False)

    def describe(self) -> str:
        return describe(self.tree, self.aliases)

    def evaluate(self, doc: Document | Prepared) -> QueryResult | None:
        prepared = doc if isinstance(doc, Prepared) else Prepared(doc)
        matched: list[str] = []
        hits = self.evaluator(prepared, matched)
        if hits is None:
            return None
        in_title = prepared.title_count
        title_hits = sum(1 for i in hits if i < in_title) if in_title else 0
        score = len(hits) + (TITLE_WEIGHT - 1.0) * title_hits
        return QueryResult(hits, list(dict.fromkeys(matched)) if len(matched) > 1 else matched,
                           score)


def compile_aliases(aliases: Mapping[str, Sequence[str]]) -> dict[str, tuple[Term, ...]]:
    compiled = {}
    for name, entries in aliases.items():
        terms = []
        for entry in entries:
            try:
                term = parse_alias_term(entry)
                term_words(term)
            except QueryError as exc:
                raise QueryError(f"alias @{name}, entry {entry!r}: {exc.message}", 0) from None
            terms.append(term)
        compiled[name] = tuple(terms)
    return compiled


def compile_query(query: str, aliases: Mapping[str, Sequence[str]],
                  _compiled_aliases: Mapping[str, tuple[Term, ...]] | None = None) -> CompiledQuery:
    table = _compiled_aliases if _compiled_aliases is not None else compile_aliases(aliases)
    tree = parse_query(query)
    for name in (n.name for n in walk(tree) if isinstance(n, Alias)):
        if name not in table:
            known = ", ".join(f"@{n}" for n in sorted(table)) or "none"
            raise QueryError(f"unknown alias @{name} (known: {known})", query.find("@" + name))
    _check_terms(tree, query)
    return CompiledQuery(query, tree, table, required_clauses(tree, table),
                         frozenset(lookup_keys(tree, table)), evaluator(tree, table))


def _check_terms(tree: Node, query: str) -> None:
    for node in walk(tree):
        if isinstance(node, Term):
            try:
                term_words(node)
            except QueryError as exc:
                raise QueryError(exc.message, max(0, query.find(node.text))) from None


@dataclass
class _Rule:
    spec: RuleSpec
    query: CompiledQuery


class RuleSet:
    def __init__(self, rules: list[_Rule]) -> None:
        self._rules = rules
        self._index = RuleIndex([rule.query.clauses for rule in rules],
                                set().union(*(rule.query.lookups for rule in rules)))

    @classmethod
    def compile(cls, rules: Sequence[RuleSpec], aliases: Mapping[str, Sequence[str]]) -> RuleSet:
        try:
            table = compile_aliases(aliases)
        except QueryError as exc:
            raise RuleError("(aliases)", exc.message) from None
        compiled = []
        for spec in rules:
            try:
                compiled.append(_Rule(spec, compile_query(spec.query, aliases, table)))
            except QueryError as exc:
                raise RuleError(spec.name, str(exc)) from None
        return cls(compiled)

    @property
    def rules(self) -> list[str]:
        return [rule.spec.name for rule in self._rules]

    def describe(self) -> dict[str, str]:
        return {rule.spec.name: rule.query.describe() for rule in self._rules}

    def candidates(self, prepared: Prepared) -> list[_Rule]:
        """Rules that could match, in configuration order."""
        if prepared.known is not self._index:
            prepared = Prepared(prepared.doc, self._index)
        ordinals = self._index.candidates(prepared.resolved.values())
        return [self._rules[i] for i in ordinals]

    def match(self, doc: Document) -> list[RuleMatch]:
        prepared = Prepared(doc, self._index)
        found = []
        for rule in self.candidates(prepared):
            result = rule.query.evaluate(prepared)
            if result is None or result.score < rule.spec.min_score:
                continue
            snippet, highlights = make_snippet(prepared, result.positions)
            found.append(RuleMatch(rule.spec.name, list(rule.spec.channels), result.score,
                                   result.matched, snippet, highlights))
        return found

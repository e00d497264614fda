"""Compiled queries and the rule set.

A document is tokenised once (title tokens first, then body tokens, with a gap
between them so NEAR never spans the two); every term evaluates to the token
positions it hits. AND and OR unite hits, NOT matches when its child has none,
NEAR keeps the hits of both sides that lie within n words of each other (either
order). A rule set indexes its rules by the keys (stems, prefixes, first words of phrases)
their queries cannot match without, so a document is evaluated only against rules
that could match, however many rules there are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from alerts.rules.parser import (
    Alias,
    And,
    Meta,
    Near,
    Node,
    Not,
    Or,
    QueryError,
    Term,
    parse_alias_term,
    parse_query,
)
from alerts.rules.snippet import make_snippet
from core.stemming import stem
from core.text import tokenize

TITLE_GAP = 1000  # positions between the title's last token and the body's first
TITLE_WEIGHT = 3.0
KEY_PREFIX = 4  # prefix terms are indexed by their first letters


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


@dataclass
class Document:
    title: str
    body: str
    source: str = ""
    language: str = ""


@dataclass
class RuleMatch:
    rule: str
    channels: list[str]
    score: float
    matched: list[str]
    snippet: str
    highlights: list[tuple[int, int]]


@dataclass
class QueryResult:
    positions: set[int]  # token positions hit (title tokens first)
    matched: list[str]  # query terms that hit, as written
    score: float


class Prepared:
    """A document tokenised once for every rule."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.title_tokens = tokenize(doc.title)
        self.body_tokens = tokenize(doc.body)
        # Built with comprehensions and per distinct word: this runs for every article.
        self.title_count = len(self.title_tokens)
        self.words = [t.text for t in self.title_tokens] + [t.text for t in self.body_tokens]
        body_offset = self.title_count + TITLE_GAP
        self.positions = [*range(self.title_count),
                          *range(body_offset, body_offset + len(self.body_tokens))]
        self.by_word: dict[str, list[int]] = {}
        for i, word in enumerate(self.words):
            positions = self.by_word.get(word)
            if positions is None:
                self.by_word[word] = [i]
            else:
                positions.append(i)
        language = doc.language or None
        word_stems = {word: stem(word, language) for word in self.by_word}
        self.by_stem: dict[str, list[int]] = {}
        for word, indexes in self.by_word.items():
            self.by_stem.setdefault(word_stems[word], []).extend(indexes)
        self.stems = set(word_stems.values())
        self._prefix_hits: dict[str, list[int]] = {}
        self._by_start: dict[str, list[str]] = {}  # words by their first two letters
        for word in self.by_word:
            self._by_start.setdefault(word[:2], []).append(word)
        # What a rule's key (see _term_key) can be: a stem, a word, or a word's start.
        words = self.by_word.keys()
        self.keys = self.stems | words | {w[:n] for w in words
                                                for n in range(1, KEY_PREFIX + 1)}
        self.source = doc.source.casefold()
        self.language = doc.language.casefold()

    def is_title(self, index: int) -> bool:
        return index < self.title_count

    def prefix_hits(self, prefix: str) -> list[int]:
        found = self._prefix_hits.get(prefix)
        if found is None:  # computed on demand: only candidate rules' prefixes are needed
            pool = self._by_start.get(prefix[:2], []) if len(prefix) >= 2 else self.by_word
            found = [i for word in pool if word.startswith(prefix) for i in self.by_word[word]]
            self._prefix_hits[prefix] = found
        return found


@dataclass(frozen=True)
class _Compiled:
    """A term resolved against the alias table: ready to evaluate."""

    kind: str
    text: str
    words: tuple[str, ...] = ()  # normalised words (phrase) or the stem / prefix
    field: str = ""


@lru_cache(maxsize=100_000)
def _term_words(term: Term) -> tuple[str, ...]:
    tokens = [t.text for t in tokenize(term.text)]
    if term.kind == "phrase":
        return tuple(tokens)
    if not tokens:
        raise QueryError(f"term {term.text!r} has no letters or digits", 0)
    if term.kind == "prefix":
        return (tokens[0] if len(tokens) == 1 else " ".join(tokens),)
    if len(tokens) > 1:  # "Russian-Georgian" written bare: the words as a phrase
        return tuple(tokens)
    return (stem(tokens[0]),)


@dataclass
class CompiledQuery:
    source: str
    tree: Node
    aliases: Mapping[str, tuple[Term, ...]]
    keys: frozenset[str] | None = field(default=None)

    def describe(self) -> str:
        return _describe(self.tree, self.aliases)

    def evaluate(self, doc: Document | Prepared) -> QueryResult | None:
        prepared = doc if isinstance(doc, Prepared) else Prepared(doc)
        matched: list[str] = []
        hits = _eval(self.tree, prepared, self.aliases, matched)
        if hits is None:
            return None
        score = sum(TITLE_WEIGHT if prepared.is_title(i) else 1.0 for i in hits)
        return QueryResult(hits, list(dict.fromkeys(matched)), score)


def _term_hits(term: Term, prepared: Prepared) -> set[int]:
    words = _term_words(term)
    hits: set[int] = set()
    if term.kind == "prefix" and len(words) == 1 and " " not in words[0]:
        hits = set(prepared.prefix_hits(words[0]))
    elif term.kind == "word" and len(words) == 1:
        hits = set(prepared.by_stem.get(words[0], ()))
    else:  # a phrase: consecutive normalised words (a line break is just a space)
        sequence = list(words[0].split() if term.kind == "prefix" else words)
        n = len(sequence)
        last = sequence[-1]
        starts = prepared.by_word.get(sequence[0], ()) if n > 1 or term.kind != "prefix" \
            else sorted(prepared.prefix_hits(last))
        for i in starts:
            window = prepared.words[i:i + n]
            if len(window) == n and window[:-1] == sequence[:-1] and (
                    window[-1].startswith(last) if term.kind == "prefix" else window[-1] == last) \
                    and prepared.positions[i + n - 1] - prepared.positions[i] == n - 1:
                hits.update(range(i, i + n))
    if term.field == "title":
        hits = {i for i in hits if prepared.is_title(i)}
    return hits


def _eval(node: Node, prepared: Prepared, aliases: Mapping[str, tuple[Term, ...]],
          matched: list[str]) -> set[int] | None:
    """Hit positions when the node matches (possibly empty, for NOT and filters), else None."""
    if isinstance(node, Term):
        term_hits = _term_hits(node, prepared)
        if term_hits:
            matched.append(node.text)
            return term_hits
        return None
    if isinstance(node, Alias):
        found: set[int] = set()
        for entry in aliases[node.name]:
            scoped = Term(entry.kind, entry.text, node.field or entry.field)
            entry_hits = _term_hits(scoped, prepared)
            if entry_hits:
                matched.append(entry.text)
                found |= entry_hits
        return found or None
    if isinstance(node, Meta):
        value = prepared.source if node.field == "source" else prepared.language
        ok = value.startswith(node.value[:-1]) if node.value.endswith("*") else value == node.value
        return set() if ok else None
    if isinstance(node, Not):
        return set() if _eval(node.child, prepared, aliases, []) is None else None
    # Children report matched terms into their own list, kept only if they matched.
    if isinstance(node, And):
        union: set[int] = set()
        terms: list[str] = []
        for child in node.children:
            hits = _eval(child, prepared, aliases, terms)
            if hits is None:
                return None
            union |= hits
        matched.extend(terms)
        return union
    if isinstance(node, Or):
        result: set[int] | None = None
        for child in node.children:
            terms = []
            hits = _eval(child, prepared, aliases, terms)
            if hits is not None:
                result = (result or set()) | hits
                matched.extend(terms)
        return result
    terms = []
    left = _eval(node.left, prepared, aliases, terms)
    right = _eval(node.right, prepared, aliases, terms)
    if not left or not right:
        return None
    pos = prepared.positions
    near_left = {i for i in left if any(abs(pos[i] - pos[j]) <= node.distance for j in right)}
    if not near_left:
        return None
    near_right = {j for j in right if any(abs(pos[i] - pos[j]) <= node.distance for i in left)}
    matched.extend(terms)
    return near_left | near_right


def _describe(node: Node, aliases: Mapping[str, tuple[Term, ...]]) -> str:
    if isinstance(node, Term):
        scope = f"{node.field}:" if node.field else ""
        words = _term_words(node)
        if node.kind == "word" and len(words) == 1:
            return f"{scope}stem({words[0]})"
        if node.kind == "prefix":
            return f"{scope}prefix({words[0]})"
        return f'{scope}phrase("{" ".join(words)}")'
    if isinstance(node, Alias):
        inner = " | ".join(_describe(Term(t.kind, t.text, node.field), aliases)
                           for t in aliases[node.name])
        return f"@{node.name}[{inner}]"
    if isinstance(node, Meta):
        return f"{node.field}={node.value}"
    if isinstance(node, Not):
        return f"NOT {_describe(node.child, aliases)}"
    if isinstance(node, And | Or):
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(_describe(c, aliases) for c in node.children) + ")"
    return (f"({_describe(node.left, aliases)} NEAR/{node.distance} "
            f"{_describe(node.right, aliases)})")


def _aliases_of(node: Node) -> list[tuple[str, int]]:
    if isinstance(node, Alias):
        return [(node.name, 0)]
    if isinstance(node, Not):
        return _aliases_of(node.child)
    if isinstance(node, And | Or):
        return [a for c in node.children for a in _aliases_of(c)]
    if isinstance(node, Near):
        return _aliases_of(node.left) + _aliases_of(node.right)
    return []


def _term_key(term: Term) -> str:
    """A key every document the term matches has: its stem, its prefix, or a phrase's
    first word."""
    words = _term_words(term)
    first = words[0].split()[0] if words else ""
    return first[:KEY_PREFIX] if term.kind == "prefix" else first


def required_keys(node: Node, aliases: Mapping[str, tuple[Term, ...]]) -> frozenset[str] | None:
    """Keys one of which a matching document must contain; None when no such set exists."""
    if isinstance(node, Term):
        return frozenset({_term_key(node)})
    if isinstance(node, Alias):
        return frozenset(_term_key(t) for t in aliases[node.name])
    if isinstance(node, Meta | Not):
        return None
    if isinstance(node, Or):
        keys: set[str] = set()
        for child in node.children:
            child_keys = required_keys(child, aliases)
            if child_keys is None:
                return None
            keys |= child_keys
        return frozenset(keys)
    children = list(node.children) if isinstance(node, And) else [node.left, node.right]
    options = [k for k in (required_keys(c, aliases) for c in children) if k is not None]
    return min(options, key=len) if options else None


def compile_aliases(aliases: Mapping[str, Sequence[str]]) -> dict[str, tuple[Term, ...]]:
    compiled = {}
    for name, entries in aliases.items():
        terms = []
        for entry in entries:
            try:
                term = parse_alias_term(entry)
                _term_words(term)
            except QueryError as exc:
                raise QueryError(f"alias @{name}, entry {entry!r}: {exc.message}", 0) from None
            terms.append(term)
        compiled[name] = tuple(terms)
    return compiled


def compile_query(query: str, aliases: Mapping[str, Sequence[str]],
                  _compiled_aliases: Mapping[str, tuple[Term, ...]] | None = None) -> CompiledQuery:
    table = _compiled_aliases if _compiled_aliases is not None else compile_aliases(aliases)
    tree = parse_query(query)
    for name, _ in _aliases_of(tree):
        if name not in table:
            known = ", ".join(f"@{n}" for n in sorted(table)) or "none"
            raise QueryError(f"unknown alias @{name} (known: {known})", query.find("@" + name))
    _check_terms(tree, query)
    compiled = CompiledQuery(query, tree, table)
    compiled.keys = required_keys(tree, table)
    return compiled


def _check_terms(node: Node, query: str) -> None:
    if isinstance(node, Term):
        try:
            _term_words(node)
        except QueryError as exc:
            raise QueryError(exc.message, max(0, query.find(node.text))) from None
    elif isinstance(node, Not):
        _check_terms(node.child, query)
    elif isinstance(node, And | Or):
        for child in node.children:
            _check_terms(child, query)
    elif isinstance(node, Near):
        _check_terms(node.left, query)
        _check_terms(node.right, query)


@dataclass
class _Rule:
    spec: RuleSpec
    query: CompiledQuery


class RuleSet:
    def __init__(self, rules: list[_Rule]) -> None:
        self._rules = rules
        self._always_ordinals: list[int] = []
        self._by_key: dict[str, list[int]] = {}
        for ordinal, rule in enumerate(rules):
            if rule.query.keys is None:
                self._always_ordinals.append(ordinal)
            else:
                for key in rule.query.keys:
                    self._by_key.setdefault(key, []).append(ordinal)

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
        found: set[int] = set(self._always_ordinals)
        for key in prepared.keys & self._by_key.keys():
            found.update(self._by_key[key])
        return [self._rules[i] for i in sorted(found)]

    def match(self, doc: Document) -> list[RuleMatch]:
        prepared = Prepared(doc)
        found = []
        for rule in self.candidates(prepared):
            result = rule.query.evaluate(prepared)
            if result is None or result.score < rule.spec.min_score:
                continue
            snippet, highlights = make_snippet(prepared, result.positions)
            found.append(RuleMatch(rule.spec.name, list(rule.spec.channels), result.score,
                                   result.matched, snippet, highlights))
        return found

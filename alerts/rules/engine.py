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

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from typing import Protocol, cast

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
from core.stemming import stem, stem_cache
from core.text import spans, tokenize, words

TITLE_GAP = 1000  # positions between the title's last token and the body's first
TITLE_WEIGHT = 3.0
KEY_PREFIX = 4  # prefix terms are indexed by their first letters
PREFIX_MARK = "*"


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


class Positions:
    """Where each value of a sequence occurs, looked up as a read-only mapping.

    Only the set of values is built up front, in C; a value's positions are found
    when first asked for (repeated ``list.index``, also C), since a document is
    asked about a few dozen of its two hundred words at most.
    """

    __slots__ = ("_found", "_sequence", "_values")

    def __init__(self, sequence: list[str]) -> None:
        self._sequence = sequence
        self._values = set(sequence)
        self._found: dict[str, list[int]] = {}

    def keys(self) -> set[str]:
        return self._values

    @property
    def present(self) -> set[str]:
        """The values that occur (read-only): tested with ``in``, no method call."""
        return self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def get(self, value: str, default: list[int] | None = None) -> list[int] | None:
        found = self._found.get(value)
        if found is None:
            if value not in self._values:
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
    evaluator: Evaluator | None = field(default=None, repr=False)

    def describe(self) -> str:
        return _describe(self.tree, self.aliases)

    def evaluate(self, doc: Document | Prepared) -> QueryResult | None:
        prepared = doc if isinstance(doc, Prepared) else Prepared(doc)
        matched: list[str] = []
        if self.evaluator is None:
            self.evaluator = _evaluator(self.tree, self.aliases)
        hits = self.evaluator(prepared, matched)
        if hits is None:
            return None
        score = sum(TITLE_WEIGHT if prepared.is_title(i) else 1.0 for i in hits)
        return QueryResult(hits, list(dict.fromkeys(matched)), score)


# A compiled node: the hit positions when it matches (possibly empty, for NOT and the
# source:/lang: filters), else None; the query terms that hit are appended to the list.
Evaluator = Callable[[Prepared, list[str]], "set[int] | None"]
Hits = Callable[[Prepared], set[int]]


def _term_hits(term: Term) -> Hits:
    """A function giving the positions a term hits, resolved once per query."""
    words = _term_words(term)
    hits: Hits
    if term.kind == "prefix" and len(words) == 1 and " " not in words[0]:
        prefix = words[0]

        def hits(prepared: Prepared) -> set[int]:
            return set(prepared.prefix_hits(prefix))
    elif term.kind == "word" and len(words) == 1:
        word_stem = words[0]

        def hits(prepared: Prepared) -> set[int]:
            by_stem = prepared.by_stem
            return set(by_stem[word_stem]) if word_stem in by_stem.present else set()
    else:
        hits = partial(_phrase_hits, list(words[0].split() if term.kind == "prefix" else words),
                       term.kind == "prefix")
    if term.field != "title":
        return hits
    return lambda prepared: {i for i in hits(prepared) if prepared.is_title(i)}


def _bare_stem(term: Term) -> str | None:
    """The stem of a single-word term with no field, whose hits are one lookup."""
    words = _term_words(term)
    return words[0] if term.kind == "word" and len(words) == 1 and not term.field else None


def _phrase_hits(sequence: list[str], last_is_prefix: bool, prepared: Prepared) -> set[int]:
    """Consecutive normalised words (a line break is just a space)."""
    found: set[int] = set()
    n = len(sequence)
    last = sequence[-1]
    starts = prepared.by_word.get(sequence[0]) or () if n > 1 or not last_is_prefix \
        else sorted(prepared.prefix_hits(last))
    for i in starts:
        window = prepared.words[i:i + n]
        if len(window) == n and window[:-1] == sequence[:-1] and (
                window[-1].startswith(last) if last_is_prefix else window[-1] == last) \
                and prepared.positions[i + n - 1] - prepared.positions[i] == n - 1:
            found.update(range(i, i + n))
    return found


def _evaluator(node: Node, aliases: Mapping[str, tuple[Term, ...]]) -> Evaluator:
    """The node compiled to a function: the tree is walked once per query, not per article."""
    if isinstance(node, Term):
        term_hits, text = _term_hits(node), node.text

        def term(prepared: Prepared, matched: list[str]) -> set[int] | None:
            found = term_hits(prepared)
            if found:
                matched.append(text)
                return found
            return None
        return term
    if isinstance(node, Alias):
        # A bare word anywhere is one dict lookup; aliases run to dozens of entries.
        entries = [(_bare_stem(scoped), _term_hits(scoped), t.text)
                   for t in aliases[node.name]
                   for scoped in [Term(t.kind, t.text, node.field or t.field)]]

        def alias(prepared: Prepared, matched: list[str]) -> set[int] | None:
            found: set[int] = set()
            by_stem = prepared.by_stem
            stems = by_stem.present  # a set: the membership test costs no Python call
            for bare_stem, entry_hits, text in entries:
                hits: Iterable[int] | None
                if bare_stem:
                    hits = by_stem[bare_stem] if bare_stem in stems else None
                else:
                    hits = entry_hits(prepared)
                if hits:
                    matched.append(text)
                    found.update(hits)
            return found or None
        return alias
    if isinstance(node, Meta):
        return partial(_meta, node.field, node.value)
    if isinstance(node, Not):
        child = _evaluator(node.child, aliases)
        return lambda prepared, matched: set() if child(prepared, []) is None else None
    if isinstance(node, And | Or):
        children = [_evaluator(c, aliases) for c in node.children]
        return partial(_all if isinstance(node, And) else _any, children)
    return partial(_near, _evaluator(node.left, aliases), _evaluator(node.right, aliases),
                   node.distance)


def _meta(field: str, value: str, prepared: Prepared, matched: list[str]) -> set[int] | None:
    actual = prepared.source if field == "source" else prepared.language
    ok = actual.startswith(value[:-1]) if value.endswith("*") else actual == value
    return set() if ok else None


# Children report matched terms into their own list, kept only if they matched.
def _all(children: list[Evaluator], prepared: Prepared, matched: list[str]) -> set[int] | None:
    union: set[int] = set()
    terms: list[str] = []
    for child in children:
        hits = child(prepared, terms)
        if hits is None:
            return None
        union |= hits
    matched.extend(terms)
    return union


def _any(children: list[Evaluator], prepared: Prepared, matched: list[str]) -> set[int] | None:
    result: set[int] | None = None
    for child in children:
        terms: list[str] = []
        hits = child(prepared, terms)
        if hits is not None:
            result = (result or set()) | hits
            matched.extend(terms)
    return result


def _near(left_of: Evaluator, right_of: Evaluator, distance: int, prepared: Prepared,
          matched: list[str]) -> set[int] | None:
    """The hits of both sides that lie within ``distance`` words of each other."""
    terms: list[str] = []
    left = left_of(prepared, terms)
    if not left:
        return None
    right = right_of(prepared, terms)
    if not right:
        return None
    pos = prepared.positions
    near_left = {i for i in left if any(abs(pos[i] - pos[j]) <= distance for j in right)}
    if not near_left:
        return None
    near_right = {j for j in right if any(abs(pos[i] - pos[j]) <= distance for i in left)}
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
    """A key every document the term matches has: its stem, a phrase's first word, or
    PREFIX_MARK and the first letters of its prefix (tokens never hold the mark)."""
    term_words = _term_words(term)
    first = term_words[0].split()[0] if term_words else ""
    return PREFIX_MARK + first[:KEY_PREFIX] if term.kind == "prefix" else first


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
    compiled.evaluator = _evaluator(tree, table)
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
        self._by_key: dict[str, list[int]] = {}  # stems and words
        self._by_prefix: dict[str, list[int]] = {}  # the first letters of prefix terms
        for ordinal, rule in enumerate(rules):
            if rule.query.keys is None:
                self._always_ordinals.append(ordinal)
                continue
            for key in rule.query.keys:
                if key.startswith(PREFIX_MARK):
                    self._by_prefix.setdefault(key[1:], []).append(ordinal)
                else:
                    self._by_key.setdefault(key, []).append(ordinal)
        self._prefix_lengths = sorted({len(key) for key in self._by_prefix})

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
        by_key, by_prefix = self._by_key, self._by_prefix
        for key in by_key.keys() & prepared.by_stem.keys():
            found.update(by_key[key])
        for key in by_key.keys() & prepared.by_word.keys():
            found.update(by_key[key])
        for length in self._prefix_lengths:
            for key in by_prefix.keys() & {word[:length] for word in prepared.by_word}:
                found.update(by_prefix[key])
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

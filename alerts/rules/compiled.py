"""A parsed query compiled against the alias table: each term resolved once to its
stem, prefix or phrase, the tree turned into closures, and the index keys a matching
document must contain.

Every node evaluates to the token positions it hits. AND and OR unite hits, NOT
matches when its child has none, NEAR keeps the hits of both sides that lie within
n words of each other (either order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache, partial

from alerts.rules.document import PREFIX_MARK, WORD_MARK, Prepared
from alerts.rules.parser import Alias, And, Meta, Node, Not, Or, QueryError, Term, children, walk
from core.stemming import stem
from core.text import tokenize

KEY_PREFIX = 4  # prefix terms are indexed by their first letters


@lru_cache(maxsize=100_000)
def term_words(term: Term) -> tuple[str, ...]:
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


# A compiled node: the hit positions when it matches (possibly empty, for NOT and the
# source:/lang: filters), else None; the query terms that hit are appended to the list.
Evaluator = Callable[[Prepared, list[str]], "set[int] | None"]
Hits = Callable[[Prepared], set[int]]


def _term_hits(term: Term) -> Hits:
    """A function giving the positions a term hits, resolved once per query."""
    words = term_words(term)
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
    words = term_words(term)
    return words[0] if term.kind == "word" and len(words) == 1 and not term.field else None


def _phrase_hits(sequence: list[str], last_is_prefix: bool, prepared: Prepared) -> set[int]:
    """Consecutive normalised words (a line break is just a space)."""
    found: set[int] = set()
    n = len(sequence)
    last = sequence[-1]
    starts = prepared.word_hits(sequence[0]) if n > 1 or not last_is_prefix \
        else sorted(prepared.prefix_hits(last))
    for i in starts:
        window = prepared.words[i:i + n]
        if len(window) == n and window[:-1] == sequence[:-1] and (
                window[-1].startswith(last) if last_is_prefix else window[-1] == last) \
                and prepared.positions[i + n - 1] - prepared.positions[i] == n - 1:
            found.update(range(i, i + n))
    return found


def evaluator(node: Node, aliases: Mapping[str, tuple[Term, ...]]) -> Evaluator:
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

        key = (node.name, node.field)

        def alias(prepared: Prepared, matched: list[str]) -> set[int] | None:
            known = prepared.alias_hits.get(key)
            if known is None:
                found: set[int] = set()
                texts: list[str] = []
                by_stem = prepared.by_stem
                stems = by_stem.present  # a set: the membership test costs no Python call
                for bare_stem, entry_hits, text in entries:
                    hits: Iterable[int] | None
                    if bare_stem:
                        hits = by_stem[bare_stem] if bare_stem in stems else None
                    else:
                        hits = entry_hits(prepared)
                    if hits:
                        texts.append(text)
                        found.update(hits)
                known = prepared.alias_hits[key] = (found, texts)
            matched.extend(known[1])
            return set(known[0]) or None  # a copy: callers may change what they are given
        return alias
    if isinstance(node, Meta):
        return partial(_meta, node.field, node.value)
    if isinstance(node, Not):
        child = evaluator(node.child, aliases)
        return lambda prepared, matched: set() if child(prepared, []) is None else None
    if isinstance(node, And | Or):
        children = [evaluator(c, aliases) for c in node.children]
        return partial(_all if isinstance(node, And) else _any, children)
    return partial(_near, evaluator(node.left, aliases), evaluator(node.right, aliases),
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


def describe(node: Node, aliases: Mapping[str, tuple[Term, ...]]) -> str:
    if isinstance(node, Term):
        scope = f"{node.field}:" if node.field else ""
        words = term_words(node)
        if node.kind == "word" and len(words) == 1:
            return f"{scope}stem({words[0]})"
        if node.kind == "prefix":
            return f"{scope}prefix({words[0]})"
        return f'{scope}phrase("{" ".join(words)}")'
    if isinstance(node, Alias):
        inner = " | ".join(describe(Term(t.kind, t.text, node.field), aliases)
                           for t in aliases[node.name])
        return f"@{node.name}[{inner}]"
    if isinstance(node, Meta):
        return f"{node.field}={node.value}"
    if isinstance(node, Not):
        return f"NOT {describe(node.child, aliases)}"
    if isinstance(node, And | Or):
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(describe(c, aliases) for c in node.children) + ")"
    return (f"({describe(node.left, aliases)} NEAR/{node.distance} "
            f"{describe(node.right, aliases)})")


def _lookup_key(term: Term) -> str | None:
    """What the term's hits are looked up by: its stem, PREFIX_MARK and its prefix, or
    for a phrase WORD_MARK and its first word."""
    words = term_words(term)
    if term.kind == "word" and len(words) == 1:
        return words[0]
    if term.kind == "prefix" and " " not in words[0]:
        return PREFIX_MARK + words[0]
    return WORD_MARK + words[0].split()[0] if words else None


def lookup_keys(node: Node, aliases: Mapping[str, tuple[Term, ...]]) -> set[str]:
    """Every stem, prefix and phrase word the compiled node asks a document about."""
    terms = [t for n in walk(node) for t in (aliases[n.name] if isinstance(n, Alias) else
                                             (n,) if isinstance(n, Term) else ())]
    return {key for term in terms if (key := _lookup_key(term))}


def _term_key(term: Term) -> str:
    """A key every document the term matches has: its stem, a phrase's first word, or
    PREFIX_MARK and the first letters of its prefix (tokens never hold the mark)."""
    resolved = term_words(term)
    first = resolved[0].split()[0] if resolved else ""
    return PREFIX_MARK + first[:KEY_PREFIX] if term.kind == "prefix" else first


Clauses = tuple[frozenset[str], ...]


def required_clauses(node: Node, aliases: Mapping[str, tuple[Term, ...]]) -> Clauses | None:
    """Sets of keys a matching document must hold one key of each of: AND and NEAR need
    every side's, OR one of each alternative's. None when no such clause exists (NOT,
    source: and lang: alone can match a document without any key)."""
    if isinstance(node, Term):
        return (frozenset({_term_key(node)}),)
    if isinstance(node, Alias):
        return (frozenset(_term_key(t) for t in aliases[node.name]),)
    if isinstance(node, Meta | Not):
        return None
    if isinstance(node, Or):
        keys: set[str] = set()
        for child in node.children:
            clauses = required_clauses(child, aliases)
            if clauses is None:
                return None
            keys |= min(clauses, key=len)  # implied by the child, so by the alternative
        return (frozenset(keys),)
    every = [clause for child in children(node) for clause in required_clauses(child, aliases) or ()]
    return tuple(dict.fromkeys(every)) or None

"""The query language: lexer and recursive-descent parser.

    query   := or
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          adjacent terms are ANDed
    near    := unary ("NEAR/" n unary)*
    unary   := "NOT" unary | primary
    primary := "(" or ")" | [field ":"] atom
    atom    := word | prefix* | "exact phrase" | @alias
    field   := title | source | lang

Precedence, tightest first: NOT, NEAR, AND, OR. Errors carry the position (0-based
character offset) and what was expected there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

FIELDS = ("title", "source", "lang")
MAX_DEPTH = 64


class QueryError(ValueError):
    """A query that does not parse; ``position`` is the offending character offset."""

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        super().__init__(f"position {position}: {message}")


# -- syntax tree -----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    kind: str  # "word" | "prefix" | "phrase"
    text: str  # as written (shown in `matched`)
    field: str = ""  # "" (anywhere) or "title"


@dataclass(frozen=True)
class Alias:
    name: str
    field: str = ""


@dataclass(frozen=True)
class Meta:
    """source:NAME or lang:CODE, a filter on the document, not on its text."""

    field: str
    value: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int


Node = Term | Alias | Meta | Not | And | Or | Near


def children(node: Node) -> tuple[Node, ...]:
    """A node's operands in order; none for a term, an alias or a field filter."""
    if isinstance(node, Not):
        return (node.child,)
    if isinstance(node, And | Or):
        return node.children
    if isinstance(node, Near):
        return (node.left, node.right)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """The node and every node under it, depth first."""
    yield node
    for child in children(node):
        yield from walk(child)

# -- lexer ---------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<phrase>"[^"]*"?)
  | (?P<near>NEAR/(?P<n>\d*))
  | (?P<alias>@[\w\-]*)
  | (?P<field>(?:title|source|lang):)
  | (?P<word>[^\s()"@:]+:?)
  | (?P<other>.)
    """,
    re.VERBOSE | re.UNICODE,
)


@dataclass(frozen=True)
class _Lexeme:
    kind: str
    value: str
    position: int


def _lex(query: str) -> list[_Lexeme]:
    lexemes = []
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup or "other"
        value, position = match.group(), match.start()
        if kind == "n":
            kind = "near"
        if kind == "space":
            continue
        if kind == "phrase" and (len(value) < 2 or not value.endswith('"')):
            raise QueryError("unterminated phrase: a closing '\"' is missing", position)
        if kind == "near":
            digits = match.group("n")
            if not digits:
                raise QueryError("NEAR needs a distance, as in NEAR/10", position)
        if kind == "alias" and len(value) < 2:
            raise QueryError("'@' must be followed by an alias name", position)
        if kind == "word" and value.endswith(":"):
            raise QueryError(f"unknown field {value[:-1]!r} (known: {', '.join(FIELDS)})",
                             position)
        if kind == "other":
            raise QueryError(f"unexpected character {value!r}", position)
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value.lower()
        lexemes.append(_Lexeme(kind, value, position))
    return lexemes


# -- parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.lexemes = _lex(query)
        self.index = 0
        self.depth = 0

    def peek(self) -> _Lexeme | None:
        return self.lexemes[self.index] if self.index < len(self.lexemes) else None

    def take(self) -> _Lexeme:
        lexeme = self.lexemes[self.index]
        self.index += 1
        return lexeme

    def end_position(self) -> int:
        return len(self.query)

    def parse(self) -> Node:
        if not self.lexemes:
            raise QueryError("the query is empty", 0)
        node = self.parse_or()
        extra = self.peek()
        if extra is not None:
            what = "')' without a matching '('" if extra.kind == "rparen" else repr(extra.value)
            raise QueryError(f"unexpected {what}", extra.position)
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (lexeme := self.peek()) is not None and lexeme.kind == "or":
            self.take()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_near()]
        while (lexeme := self.peek()) is not None and lexeme.kind not in ("or", "rparen"):
            if lexeme.kind == "and":
                self.take()
            children.append(self.parse_near())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_near(self) -> Node:
        node = self.parse_unary()
        while (lexeme := self.peek()) is not None and lexeme.kind == "near":
            self.take()
            distance = int(lexeme.value.split("/", 1)[1])
            if distance < 1:
                raise QueryError("NEAR distance must be at least 1", lexeme.position)
            node = Near(node, self.parse_unary(), distance)
        return node

    def parse_unary(self) -> Node:
        lexeme = self.peek()
        if lexeme is not None and lexeme.kind == "not":
            self.take()
            return Not(self.nested(self.parse_unary))
        return self.parse_primary()

    def nested(self, parse: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            lexeme = self.peek()
            raise QueryError("the query is nested too deeply",
                             lexeme.position if lexeme else self.end_position())
        try:
            return parse()
        finally:
            self.depth -= 1

    def parse_primary(self) -> Node:
        lexeme = self.peek()
        if lexeme is None:
            raise QueryError("a term is missing at the end of the query", self.end_position())
        if lexeme.kind == "lparen":
            self.take()
            node = self.nested(self.parse_or)
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                where = closing.position if closing else self.end_position()
                raise QueryError(f"expected ')' to close the '(' at position {lexeme.position}",
                                 where)
            self.take()
            return node
        if lexeme.kind == "field":
            self.take()
            field = lexeme.value[:-1]
            target = self.peek()
            if target is None or target.kind not in ("word", "phrase", "alias"):
                where = target.position if target else self.end_position()
                raise QueryError(f"expected a term after '{field}:'", where)
            self.take()
            if field in ("source", "lang"):
                if target.kind != "word":
                    raise QueryError(f"'{field}:' takes a plain name", target.position)
                return Meta(field, target.value.casefold())
            return self.atom(target, field)
        if lexeme.kind in ("word", "phrase", "alias"):
            self.take()
            return self.atom(lexeme, "")
        names = {"rparen": "')'", "and": "AND", "or": "OR", "near": "NEAR"}
        raise QueryError(f"expected a term, found {names.get(lexeme.kind, repr(lexeme.value))}",
                         lexeme.position)

    @staticmethod
    def atom(lexeme: _Lexeme, field: str) -> Node:
        if lexeme.kind == "alias":
            return Alias(lexeme.value[1:], field)
        if lexeme.kind == "phrase":
            text = lexeme.value[1:-1].strip()
            if not text:
                raise QueryError("empty phrase", lexeme.position)
            if "*" in text:  # it would match nothing: phrase words are matched exactly
                raise QueryError("'*' inside a \"phrase\" is not supported: phrase words match "
                                 "exactly; write the words with NEAR/1, as in prague NEAR/1 "
                                 "format*", lexeme.position + lexeme.value.index("*"))
            return Term("phrase", text, field)
        text = lexeme.value
        if text.endswith("*"):
            stem = text.rstrip("*")
            if not stem or "*" in stem:
                raise QueryError("a prefix needs letters before a single trailing '*'",
                                 lexeme.position)
            return Term("prefix", stem, field)
        if "*" in text:
            raise QueryError("'*' is only allowed at the end of a word", lexeme.position)
        return Term("word", text, field)


def parse_query(query: str) -> Node:
    """Parse a query; raise QueryError with the position and nature of a mistake."""
    return _Parser(query).parse()


def parse_alias_term(entry: str) -> Term:
    """An alias list entry: a word, a prefix* or a "phrase"."""
    node = parse_query(entry)
    if not isinstance(node, Term):
        raise QueryError("an alias entry must be one word, prefix* or \"phrase\"", 0)
    return node

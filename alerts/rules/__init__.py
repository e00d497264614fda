"""Rules: the query language (parse, compile, match, highlight) and the rule set."""

from alerts.rules.engine import (
    AdHocRule,
    CompiledQuery,
    Document,
    Prepared,
    QueryResult,
    RuleError,
    RuleMatch,
    RuleSet,
    RuleSpec,
    compile_query,
)
from alerts.rules.parser import QueryError, parse_query

__all__ = [
    "AdHocRule",
    "CompiledQuery",
    "Document",
    "Prepared",
    "QueryError",
    "QueryResult",
    "RuleError",
    "RuleMatch",
    "RuleSet",
    "RuleSpec",
    "compile_query",
    "parse_query",
]

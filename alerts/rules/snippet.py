"""A snippet around the densest hits of a match, with the hit words' offsets.

The window that holds the most hits is centred on them and widened to whole words;
hits it cannot hold (NEAR over a long sentence) get a second, shorter fragment, so
every word that made the match can be shown. A paragraph break (the feed's lead
before the page's text) shows as " · ", not as two sentences run together. When
only the title matched, the snippet is the text's opening, with no highlights: the
title is shown beside it anyway.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alerts.rules.document import Prepared

SNIPPET_CHARS = 300
WORD_SLACK = 30  # how far a fragment's edge moves to reach a word boundary
PARAGRAPH_MARK = " · "
# Whitespace other than a lone space: a paragraph break, a run, a tab or a line break
# (a lone space, between most words, is left alone: this runs for every match).
_BREAK = re.compile(r"\s*\n\s*\n\s*|\s{2,}|[^\S ]")
Span = tuple[int, int]


def _densest(spans: list[Span], width: int) -> tuple[int, int]:
    """Indexes [left, right) of the spans that fit most densely in ``width`` characters."""
    best, right = (0, 1), 0
    for left, (start, _) in enumerate(spans):
        right = max(right, left + 1)
        while right < len(spans) and spans[right][1] <= start + width:
            right += 1
        if right - left > best[1] - best[0]:
            best = (left, right)
    return best


def _fragment(text: str, first: int, last: int, width: int) -> tuple[int, int]:
    """About ``width`` characters around [first, last), on word boundaries, never cutting it."""
    margin = max(0, width - (last - first)) // 2
    begin = max(0, first - margin)
    end = min(len(text), max(last, begin + width))
    begin = max(0, min(begin, end - width))
    if begin > 0:
        reach = max(0, begin - WORD_SLACK)  # a negative start would count from the end
        before = max(text.rfind(" ", reach, begin), text.rfind("\n", reach, begin))
        after = next((i for i in range(begin, min(first, begin + WORD_SLACK)) if text[i].isspace()), -1)
        begin = before + 1 if before >= 0 else after + 1 if after >= 0 else begin
    if end < len(text):
        space = max(text.rfind(" ", last, end), text.rfind("\n", last, end))
        end = space if space >= max(last, end - WORD_SLACK) else end
    return begin, end


def _windows(text: str, spans: list[Span], width: int) -> list[tuple[int, int]]:
    left, right = _densest(spans, width)
    first = _fragment(text, spans[left][0], spans[right - 1][1], width)
    rest = [s for s in spans if s[0] < first[0] or s[1] > first[1]]
    if not rest:
        return [first]
    left, right = _densest(rest, width // 2)
    second = _fragment(text, rest[left][0], rest[right - 1][1], width // 2)
    if second[0] <= first[1] and first[0] <= second[1]:  # they touch: one fragment
        return [(min(first[0], second[0]), max(first[1], second[1]))]
    return sorted([first, second])


def _flatten(raw: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Whitespace runs as one space and paragraph breaks as PARAGRAPH_MARK, with the
    spans (offsets into ``raw``) moved to match."""
    if raw.isprintable() and "  " not in raw:  # the usual case, checked in C
        return raw, spans
    out: list[str] = []
    ends: list[int] = []  # where each replaced run ended in ``raw``
    changes: list[int] = []  # the length change up to and including that run
    last = change = 0
    for match in _BREAK.finditer(raw):
        mark = PARAGRAPH_MARK if match.group().count("\n") >= 2 else " "
        out += [raw[last:match.start()], mark]
        change += len(mark) - (match.end() - match.start())
        ends.append(match.end())
        changes.append(change)
        last = match.end()
    out.append(raw[last:])

    def moved(offset: int) -> int:
        runs = bisect_right(ends, offset)  # the runs that end at or before the offset
        return offset + (changes[runs - 1] if runs else 0)

    return "".join(out), [(moved(a), moved(b)) for a, b in spans]


def make_snippet(prepared: Prepared, positions: set[int],
                 width: int = SNIPPET_CHARS) -> tuple[str, list[Span]]:
    """Up to about ``width`` characters of the body around the most hits (a second,
    shorter fragment for hits further away); highlights are (start, end) offsets into
    the snippet."""
    title_count = prepared.title_count
    body_hits = sorted(i - title_count for i in positions if i >= title_count)
    text = prepared.doc.body
    if not body_hits:  # the title matched alone: show how the text begins
        if not text:
            return prepared.doc.title, [prepared.spans(in_title=True)[i] for i in sorted(positions)
                                        if i < title_count]
        end = _fragment(text, 0, 0, width)[1]
        snippet, _ = _flatten(text[:end], [])
        return snippet + ("…" if end < len(text) else ""), []
    offsets = prepared.spans(in_title=False)
    spans = [offsets[i] for i in body_hits]
    pieces: list[str] = []
    highlights: list[Span] = []
    windows = _windows(text, spans, width)
    for number, (begin, end) in enumerate(windows):
        lead = (" …" if number else "…") if begin > 0 else ""
        inside = [(s - begin, e - begin) for s, e in spans if begin <= s and e <= end]
        raw, moved = _flatten(text[begin:end], inside)
        at = sum(map(len, pieces)) + len(lead)
        pieces.append(lead + raw)
        highlights += [(s + at, e + at) for s, e in moved]
    if windows[-1][1] < len(text):
        pieces.append("…")
    return "".join(pieces), highlights

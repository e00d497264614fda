"""A snippet around the densest hits of a match, with the hit words' offsets."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alerts.rules.document import Prepared

SNIPPET_CHARS = 300
_WHITESPACE = re.compile(r"\s")


def make_snippet(prepared: Prepared, positions: set[int],
                 width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """Up to ``width`` characters of the body around the most hits (the title when
    only the title matched); highlights are (start, end) offsets into the snippet."""
    title_count = prepared.title_count
    body_hits = sorted(i - title_count for i in positions if i >= title_count)
    if body_hits:
        text, hits = prepared.doc.body, body_hits
    else:
        text, hits = prepared.doc.title, sorted(i for i in positions if i < title_count)
    if not text:
        return "", []
    offsets = prepared.spans(in_title=not body_hits)
    spans = [offsets[i] for i in hits]
    # The window of ``width`` characters that holds the most hits (two pointers).
    best_start, best_count, right = 0, 0, 0
    for left, (start, _) in enumerate(spans):
        right = max(right, left)
        while right < len(spans) and spans[right][1] <= start + width:
            right += 1
        if right - left > best_count:
            best_start, best_count = max(0, start - width // 4), right - left
    begin = best_start
    if begin > 0:  # start on a word boundary
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 and begin - space < 30 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin + width // 2 else end
    # Line breaks and tabs become spaces one for one, so offsets stay valid.
    raw = text[begin:end]
    if not raw.isprintable():  # the check is cheap; the substitution is not
        raw = _WHITESPACE.sub(" ", raw)
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - begin
    highlights = [(s + shift, e + shift) for s, e in spans if s >= begin and e <= end]
    return prefix + raw + suffix, highlights

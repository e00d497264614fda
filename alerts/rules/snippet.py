"""A snippet around the densest hits of a match, with the hit words' offsets."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alerts.rules.engine import Prepared

SNIPPET_CHARS = 300


def make_snippet(prepared: Prepared, positions: set[int],
                 width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """Up to ``width`` characters of the body around the most hits (the title when
    only the title matched); highlights are (start, end) offsets into the snippet."""
    title_count = prepared.title_count
    body_hits = sorted(i - title_count for i in positions if i >= title_count)
    if body_hits:
        text, tokens, hits = prepared.doc.body, prepared.body_tokens, body_hits
    else:
        text, tokens = prepared.doc.title, prepared.title_tokens
        hits = sorted(i for i in positions if i < title_count)
    if not text:
        return "", []
    spans = [(tokens[i].start, tokens[i].end) for i in hits]
    best_start, best_count = 0, 0
    for start, _ in spans:  # the window that holds the most hits
        window_start = max(0, start - width // 4)
        count = sum(1 for s, e in spans if s >= window_start and e <= window_start + width)
        if count > best_count:
            best_start, best_count = window_start, count
    begin = best_start
    if begin > 0:  # start on a word boundary
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 and begin - space < 30 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin + width // 2 else end
    raw = text[begin:end]
    # Whitespace is collapsed for display; offsets are mapped through the collapse.
    out: list[str] = []
    mapping: list[int] = []
    for char in raw:
        if char.isspace():
            if out and out[-1] == " ":
                mapping.append(len(out) - 1)
                continue
            char = " "
        mapping.append(len(out))
        out.append(char)
    mapping.append(len(out))
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix)
    highlights = [(mapping[s - begin] + shift, mapping[e - begin] + shift)
                  for s, e in spans if s >= begin and e <= end]
    return prefix + "".join(out) + suffix, highlights

"""Plain-text tables for the terminal (feed text is scrubbed of control characters)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.logs import scrub

if TYPE_CHECKING:
    from scheduler.cycle import CycleReport


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[scrub(str(c)) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def shorten(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_cycle(report: CycleReport) -> None:
    rows = [(s.name, s.state, s.fetched, s.not_modified, s.new, s.updated, s.alerts, s.errors,
             shorten(s.detail, 60)) for s in report.sources]
    print(table(("source", "state", "fetched", "304", "new", "updated", "alerts", "errors",
                 "detail"), rows))
    delivery = report.delivery
    if delivery is not None:
        print(f"\ndelivery: {delivery.sent} sent, {delivery.retried} to retry, {delivery.dead} dead, "
              f"{delivery.skipped} waiting")
        for error in delivery.errors:
            print(f"  {scrub(error)}")
    for error in report.storage_errors:
        print(f"storage: {scrub(error)}")
    status = "ok" if report.ok else "FAILED"
    print(f"\ncycle {status} in {report.duration:.1f}s")

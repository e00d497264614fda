"""A readable line per alert on standard output (the default channel)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from alerts.channels.base import Channel, SendResult, highlighted
from alerts.message import AlertMessage, shorten
from core.logs import scrub


class ConsoleChannel(Channel):
    def render(self, message: AlertMessage) -> str:
        when = message.when(self.config.timezone)
        if message.kind == "operator":
            return scrub(f"[operator] {message.title} ({when}): {message.snippet}")
        lines = [
            scrub(f"[{message.rule}] {shorten(message.title)}"),
            scrub(f"    {message.source} ({message.language}) {when}  {message.url}"),
            "    " + scrub(" ".join(highlighted(message, "[", "]").split())),
            scrub(f"    matched: {', '.join(message.matched_words())}"),
        ]
        lines += [scrub(f"    also: {other.label()}  {other.url}") for other in message.others]
        return "\n".join(lines)

    async def _send(self, message: AlertMessage) -> SendResult:
        print(self.render(message), flush=True)
        return SendResult.success()

    async def _send_digest(self, messages: Sequence[AlertMessage]) -> SendResult:
        print(f"=== digest: {len(messages)} alert(s) ===")
        for message in messages:
            print(self.render(message))
        sys.stdout.flush()
        return SendResult.success()

"""A readable line per alert on standard output (the default channel)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from alerts.channels.base import Channel, SendResult, highlighted
from alerts.message import AlertMessage
from core.logs import scrub


class ConsoleChannel(Channel):
    def render(self, message: AlertMessage) -> str:
        if message.kind == "operator":
            return scrub(f"[operator] {message.title}: {message.snippet}")
        when = message.published.strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            scrub(f"[{message.rule}] {message.title}"),
            scrub(f"    {message.source} ({message.language}) {when}  {message.url}"),
            "    " + scrub(" ".join(highlighted(message, "[", "]").split())),
        ]
        if message.also:
            lines.append(scrub(f"    also: {', '.join(message.also)}"))
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

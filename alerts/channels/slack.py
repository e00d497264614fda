"""Slack incoming webhook: a Block Kit message per alert.

Everything that came from a feed is escaped (&, <, >), so a title cannot ping
``<!channel>`` or forge a link; section texts stay within Slack's 3,000 characters
without cutting a link in half (a long title is shortened inside its link, a long
list of other outlets ends "and N more"); a digest is split into messages of at most
50 blocks; at most ``max_per_second`` posts a second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from alerts.channels.base import SendResult, highlighted
from alerts.channels.http import HttpChannel
from alerts.message import AlertMessage

SECTION_LIMIT = 3000
MAX_BLOCKS = 50


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(url: str, label: str, limit: int = SECTION_LIMIT - 10) -> str:
    """A link of at most ``limit`` characters, its label shortened to fit, never cut."""
    # "|" and ">" would end the link early; the URL is ours (canonical), the label the feed's.
    target = escape(url).replace("|", "%7C")
    shown = escape(label).replace("|", "¦")
    room = limit - len(target) - 3
    if len(shown) > room:  # the longest shortening that fits once escaped (no entity halved)
        low, high = 1, len(label)
        while low < high:
            middle = (low + high + 1) // 2
            if len(escape(_cut(label, middle))) <= room:
                low = middle
            else:
                high = middle - 1
        shown = escape(_cut(label, low)).replace("|", "¦")
    return f"<{target}|{shown}>"


def _list(header: str, lines: Sequence[str], limit: int = SECTION_LIMIT) -> str:
    """``header`` and as many whole ``lines`` as fit, then how many did not."""
    text, shown = header, 0
    for line in lines:
        if len(text) + len(line) + 1 > limit - 20:  # room for the "and N more" line
            break
        text, shown = f"{text}\n{line}", shown + 1
    return text if shown == len(lines) else f"{text}\n…and {len(lines) - shown} more"


def alert_blocks(message: AlertMessage) -> list[dict[str, Any]]:
    if message.kind == "operator":
        return [{"type": "section", "text": {"type": "mrkdwn", "text": _cut(
            f":warning: *{escape(message.title)}*\n{escape(message.snippet)}")}}]
    when = message.published.strftime("%Y-%m-%d %H:%M UTC")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(
            f"*{_link(message.url, message.title)}*")}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(
            f"rule *{escape(message.rule)}* · {escape(message.source)} · "
            f"{escape(message.language)} · {when}")}]},
    ]
    if message.snippet:
        snippet = " ".join(highlighted(message, "*", "*", escape).split())
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(snippet)}})
    if message.also:
        others = [f"• {_link(url, url, SECTION_LIMIT // 4)}" for url in message.also[:20]]
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": _list("Also carried by:", others)}})
    return blocks


class SlackChannel(HttpChannel):
    def __init__(self, name: str, config: Any) -> None:
        super().__init__(name, config)
        self.rate = config.max_per_second

    def payload(self, message: AlertMessage) -> dict[str, Any]:
        fallback = f"[{message.rule}] {message.title}"
        return {"text": _cut(escape(fallback)), "blocks": alert_blocks(message)[:MAX_BLOCKS]}

    def render(self, message: AlertMessage) -> str:
        return json.dumps(self.payload(message), ensure_ascii=False, indent=2)

    async def _send(self, message: AlertMessage) -> SendResult:
        return await self._post(self.payload(message))

    async def _send_digest(self, messages: Sequence[AlertMessage]) -> SendResult:
        """One digest, split into as many messages as Slack's 50-block limit needs."""
        parts: list[list[dict[str, Any]]] = [[]]
        for message in messages:
            blocks = [*alert_blocks(message)[:3], {"type": "divider"}]
            if len(parts[-1]) + len(blocks) > MAX_BLOCKS - 1:
                parts.append([])
            parts[-1] += blocks
        for number, blocks in enumerate(parts, 1):
            heading = f"Digest: {len(messages)} alert(s)" + (
                f" (part {number} of {len(parts)})" if len(parts) > 1 else "")
            header = {"type": "header", "text": {"type": "plain_text", "text": heading}}
            result = await self._post({"text": heading, "blocks": [header, *blocks]})
            if not result.ok:
                return result
        return SendResult.success()

    async def _post(self, payload: dict[str, Any]) -> SendResult:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return await self.post(self.config.webhook_url, content=body,
                               headers={"Content-Type": "application/json; charset=utf-8"})

    def classify(self, response: httpx.Response) -> SendResult:
        result = super().classify(response)
        if result.ok and response.text.strip() not in ("ok", ""):
            return SendResult.permanent_failure(f"Slack answered {response.text.strip()[:200]!r}")
        return result

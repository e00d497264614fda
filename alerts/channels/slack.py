"""Slack incoming webhook: a Block Kit message per alert.

Everything that came from a feed is escaped (&, <, >), so a title cannot ping
``<!channel>`` or forge a link, and its mrkdwn marks (* _ ~ `) become look-alikes, so it
cannot turn the message bold or into code; section texts stay within Slack's 3,000 characters
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
from alerts.message import AlertMessage, shorten

SECTION_LIMIT = 3000
MAX_BLOCKS = 50


# Slack has no escape for its formatting marks: feed text gets look-alike characters.
_MARKS = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unmarked(text: str) -> str:
    """Feed text with look-alikes for the formatting marks (not yet escaped)."""
    return text.translate(_MARKS)


def feed_text(text: str) -> str:
    """Feed text for mrkdwn: escaped, and unable to format (one character for one, so
    highlight offsets hold)."""
    return escape(_unmarked(text))


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


def alert_blocks(message: AlertMessage, timezone: str = "UTC",
                 with_others: bool = True) -> list[dict[str, Any]]:
    if message.kind == "operator":
        icon = ":white_check_mark:" if message.recovered else ":warning:"
        return [{"type": "section", "text": {"type": "mrkdwn", "text": _cut(
            f"{icon} *{feed_text(message.title)}* · {message.when(timezone)}\n"
            f"{feed_text(message.snippet)}")}}]
    matched = ", ".join(message.matched_words())
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(
            f"*{_link(message.url, _unmarked(shorten(message.title)))}*")}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(
            f"rule *{escape(message.rule)}* · {escape(message.source)} · "
            f"{escape(message.language)} · {message.when(timezone)} · "
            f"matched: {feed_text(matched)}")}]},
    ]
    if message.snippet:
        snippet = " ".join(highlighted(message, "*", "*", feed_text).split())
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(snippet)}})
    if message.others and with_others:
        others = [f"• {_link(o.url, o.label(_unmarked), SECTION_LIMIT // 4)}"
                  for o in message.others]
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": _list("Also carried by:", others)}})
    return blocks


def _others_line(message: AlertMessage) -> list[dict[str, Any]]:
    if not message.others:
        return []
    names = ", ".join(dict.fromkeys(f"{o.source} ({o.language})" for o in message.others))
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(
        f"also carried by {escape(names)}")}]}]


class SlackChannel(HttpChannel):
    def __init__(self, name: str, config: Any) -> None:
        super().__init__(name, config)
        self.rate = config.max_per_second

    def payload(self, message: AlertMessage) -> dict[str, Any]:
        fallback = f"[{message.rule}] {shorten(message.title)}"
        return {"text": _cut(feed_text(fallback)),
                "blocks": alert_blocks(message, self.config.timezone)[:MAX_BLOCKS]}

    def render(self, message: AlertMessage) -> str:
        return json.dumps(self.payload(message), ensure_ascii=False, indent=2)

    async def _send(self, message: AlertMessage) -> SendResult:
        return await self._post(self.payload(message))

    async def _send_digest(self, messages: Sequence[AlertMessage]) -> SendResult:
        """One digest, split into as many messages as Slack's 50-block limit needs."""
        parts: list[list[dict[str, Any]]] = [[]]
        carried: list[list[int]] = [[]]  # the alerts in each part
        for message in messages:
            # A digest names each alert's other outlets in one short line, not a list.
            blocks = [*alert_blocks(message, self.config.timezone, with_others=False),
                      *_others_line(message), {"type": "divider"}]
            if len(parts[-1]) + len(blocks) > MAX_BLOCKS - 1:
                parts.append([])
                carried.append([])
            parts[-1] += blocks
            carried[-1].append(message.alert_id)
        delivered: list[int] = []
        for number, blocks in enumerate(parts, 1):
            heading = f"Digest: {len(messages)} alert(s)" + (
                f" (part {number} of {len(parts)})" if len(parts) > 1 else "")
            header = {"type": "header", "text": {"type": "plain_text", "text": heading}}
            result = await self._post({"text": heading, "blocks": [header, *blocks]})
            if not result.ok:
                return result.after(delivered)  # a retry sends only the parts not posted
            delivered += carried[number - 1]
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

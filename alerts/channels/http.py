"""What Slack and webhook channels share: one httpx client, pacing, and the
classification of HTTP answers into success, transient and permanent failures."""

from __future__ import annotations

import asyncio
import time

import httpx

from alerts.channels.base import Channel, SendResult
from core.netguard import BlockedAddress, check_url

PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 405, 410, 413, 422})


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: the outbox's own backoff applies


class HttpChannel(Channel):
    """A channel that POSTs to one URL, at most ``rate`` requests per second."""

    rate: float = 0.0

    def __init__(self, name: str, config: object) -> None:
        super().__init__(name, config)
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(self.config.timeout),
                                        follow_redirects=False)
        self._next_slot = 0.0
        self._lock = asyncio.Lock()

    async def _pace(self) -> None:
        if self.rate <= 0:
            return
        async with self._lock:
            now = time.monotonic()
            if self._next_slot > now:
                await asyncio.sleep(self._next_slot - now)
            self._next_slot = max(now, self._next_slot) + 1.0 / self.rate

    async def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> SendResult:
        try:
            await asyncio.to_thread(check_url, url)
        except BlockedAddress as exc:
            return SendResult.permanent_failure(f"refused to post: {exc}")
        await self._pace()
        try:
            response = await self.client.post(url, content=content, headers=headers)
        except httpx.TimeoutException:
            return SendResult.transient(f"timed out after {self.config.timeout:.0f}s")
        except httpx.TransportError as exc:
            return SendResult.transient(f"connection failed: {type(exc).__name__}")
        return self.classify(response)

    def classify(self, response: httpx.Response) -> SendResult:
        text = response.text.strip()[:300]
        if response.status_code == 429:
            return SendResult.transient(f"HTTP 429 {text}".strip(),
                                        retry_after_seconds(response.headers.get("Retry-After")))
        if response.status_code >= 500 or response.status_code == 408:
            return SendResult.transient(f"HTTP {response.status_code} {text}".strip())
        if response.status_code >= 400 or response.status_code in (301, 302, 303, 307, 308):
            return SendResult.permanent_failure(f"HTTP {response.status_code} {text}".strip())
        return SendResult.success()

    async def aclose(self) -> None:
        await self.client.aclose()

"""The channel contract: ``send`` never raises, always has a timeout, and reports
success or a classified failure (transient: retry later; permanent: dead letter)."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from alerts.message import AlertMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    permanent: bool = False
    retry_after: float | None = None
    error: str = ""
    # A digest that failed part-way: the alerts its earlier parts did deliver (they
    # must not be sent again when the rest is retried).
    delivered: tuple[int, ...] = ()

    def after(self, delivered: Sequence[int]) -> SendResult:
        return replace(self, delivered=tuple(delivered))

    @classmethod
    def success(cls) -> SendResult:
        return cls(ok=True)

    @classmethod
    def transient(cls, error: str, retry_after: float | None = None) -> SendResult:
        return cls(ok=False, permanent=False, retry_after=retry_after, error=error)

    @classmethod
    def permanent_failure(cls, error: str) -> SendResult:
        return cls(ok=False, permanent=True, error=error)


def highlighted(message: AlertMessage, before: str, after: str,
                escape: Any = lambda text: text) -> str:
    """The snippet with matched words wrapped in ``before``/``after`` (escaped first)."""
    out, last = [], 0
    for start, end in sorted(message.highlights):
        if start < last or end > len(message.snippet):
            continue
        out += [escape(message.snippet[last:start]), before,
                escape(message.snippet[start:end]), after]
        last = end
    out.append(escape(message.snippet[last:]))
    return "".join(out)


class Channel(ABC):
    def __init__(self, name: str, config: Any) -> None:
        self.name = name
        self.config = config

    async def send(self, message: AlertMessage) -> SendResult:
        if self.config.dry_run:
            log.info("channel %s (dry run) would send alert %d:\n%s", self.name,
                     message.alert_id, self.render(message))
            return SendResult.success()
        try:
            return await asyncio.wait_for(self._send(message), timeout=self.config.timeout * 3)
        except TimeoutError:
            return SendResult.transient(f"timed out after {self.config.timeout * 3:.0f}s")
        except Exception as exc:  # the contract: never raise, classify instead
            log.exception("channel %s: unexpected error sending alert %d", self.name,
                          message.alert_id)
            return SendResult.transient(f"{type(exc).__name__}: {exc}")

    async def send_digest(self, messages: Sequence[AlertMessage]) -> SendResult:
        if not messages:
            return SendResult.success()
        if self.config.dry_run:
            log.info("channel %s (dry run) would send a digest of %d alerts", self.name,
                     len(messages))
            return SendResult.success()
        try:
            return await asyncio.wait_for(self._send_digest(messages),
                                          timeout=self.config.timeout * 3)
        except TimeoutError:
            return SendResult.transient("digest timed out")
        except Exception as exc:
            log.exception("channel %s: unexpected error sending a digest", self.name)
            return SendResult.transient(f"{type(exc).__name__}: {exc}")

    @abstractmethod
    def render(self, message: AlertMessage) -> str:
        """The message as this channel would send it (for dry runs and logs)."""

    @abstractmethod
    async def _send(self, message: AlertMessage) -> SendResult: ...

    async def _send_digest(self, messages: Sequence[AlertMessage]) -> SendResult:
        for number, message in enumerate(messages):  # no digest form: one by one
            result = await self._send(message)
            if not result.ok:
                return result.after([m.alert_id for m in messages[:number]])
        return SendResult.success()

    async def aclose(self) -> None:
        return None

"""A tiny HTTP endpoint on the daemon's event loop: /healthz and /metrics."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable

from core.errors import MonitorError

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[str | None]]  # None when healthy, else the reason


class HealthServer:
    def __init__(self, listen: str, health: HealthCheck, metrics: Callable[[], bytes]) -> None:
        host, _, port = listen.rpartition(":")
        self.listen = listen
        self.host, self.port = host.strip("[]"), int(port)
        self.health = health
        self.metrics = metrics
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        try:
            self.server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as exc:  # taken since the command checked it, or refused
            reason = os.strerror(exc.errno) if exc.errno else str(exc)  # asyncio's own is long
            raise MonitorError(f"cannot listen on {self.listen}: {reason}") from None
        sockets: tuple[object, ...] = tuple(self.server.sockets or ())
        if sockets:
            self.port = sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        log.info("health and metrics on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            # Headers are read and ignored: only the request line matters here.
            while await asyncio.wait_for(reader.readline(), timeout=5) not in (b"\r\n", b"\n", b""):
                pass
            parts = request.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) >= 2 else ""
            if path == "/healthz":
                reason = await self.health()
                status = "200 OK" if reason is None else "503 Service Unavailable"
                body = b"ok\n" if reason is None else f"unhealthy: {reason}\n".encode()
                content_type = "text/plain; charset=utf-8"
            elif path == "/metrics":
                status, body = "200 OK", self.metrics()
                content_type = "text/plain; version=0.0.4; charset=utf-8"
            else:
                status, body, content_type = "404 Not Found", b"not found\n", "text/plain"
            head = (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
            writer.write(head.encode("latin-1") + body)
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

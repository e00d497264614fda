"""Real counterparts for channel tests: an HTTP server that answers like Slack, and
an SMTP server (aiosmtpd) whose replies a test can script."""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Reply:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack(ThreadingHTTPServer):
    """Answers each POST with the next scripted reply (then 200 ``ok``) and keeps the
    JSON bodies and headers it received."""

    daemon_threads = True

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.received: list[dict[str, Any]] = []
        self.headers_seen: list[dict[str, str]] = []
        self.raw: list[bytes] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _SlackHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/T000/B000/XXXX"

    def __enter__(self) -> FakeSlack:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _SlackHandler(BaseHTTPRequestHandler):
    server: FakeSlack

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.raw.append(body)
            self.server.received.append(json.loads(body))
            self.server.headers_seen.append(dict(self.headers))
            reply = self.server.replies.popleft() if self.server.replies else Reply()
        data = reply.body.encode()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class ScriptedHandler:
    """aiosmtpd handler: answers DATA with the next scripted code, keeps accepted mail."""

    def __init__(self) -> None:
        self.replies: deque[str] = deque()
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self.replies.popleft() if self.replies else "250 Message accepted"
        if reply.startswith("250"):
            self.messages.append(message_from_bytes(envelope.content))
        return reply


class SmtpServer:
    """aiosmtpd on a free loopback port; with an ``authenticator`` it offers AUTH (PLAIN,
    LOGIN) without TLS, as a test cannot hold a trusted certificate."""

    def __init__(self, authenticator: Callable[..., AuthResult] | None = None) -> None:
        self.handler = ScriptedHandler()
        with socket.socket() as probe:  # the controller cannot start on port 0
            probe.bind(("127.0.0.1", 0))
            self._port = int(probe.getsockname()[1])
        extra: dict[str, Any] = {}
        if authenticator is not None:
            extra = {"authenticator": authenticator, "auth_require_tls": False}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self._port,
                                     **extra)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return self._port

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

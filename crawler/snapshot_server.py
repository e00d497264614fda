"""A static server for recorded site snapshots (wget's mirror layout).

``GET /HOST/PATH?Q`` is served from ``DIR/HOST/PATH?Q``, else ``DIR/HOST/PATH``,
else ``DIR/HOST/PATH/index.html``. A file ``NAME.headers`` beside ``NAME`` gives
the status line and headers to send. Every file gets a content ETag and its
modification time as Last-Modified, and conditional requests are answered 304,
as a real feed server would.
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from core.errors import MirrorError

_TYPES = {
    ".xml": "application/xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".php": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}


@dataclass(frozen=True)
class ServedRequest:
    path: str
    status: int
    conditional: bool
    size: int = 0  # body bytes sent


def _resolve(root: Path, raw_path: str) -> Path | None:
    parts = urlsplit(raw_path)
    path = unquote(parts.path).lstrip("/")
    candidates = []
    if parts.query:
        candidates.append(f"{path}?{parts.query}")
        candidates.append(f"{path.rstrip('/')}/index.html?{parts.query}")
    candidates += [path, f"{path.rstrip('/')}/index.html"]
    for candidate in candidates:
        file = (root / candidate).resolve()
        if not file.is_relative_to(root):
            return None  # a path that climbs out of the snapshot
        if file.is_file() and not file.name.endswith(".headers"):
            return file
    return None


def _headers_file(file: Path) -> tuple[int, str, list[tuple[str, str]]] | None:
    sidecar = file.with_name(file.name + ".headers")
    if not sidecar.is_file():
        return None
    lines = sidecar.read_text("utf-8").splitlines()
    status, reason = 200, "OK"
    if lines and lines[0].upper().startswith("HTTP/"):
        _, code, *rest = lines.pop(0).split(" ", 2)
        status, reason = int(code), (rest[0] if rest else "")
    headers = []
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return status, reason, headers


class _Handler(BaseHTTPRequestHandler):
    server: SnapshotServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client waits
    # for the delayed ACK (~40 ms) on every response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log below is what tests and users look at

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        root = self.server.root
        file = _resolve(root, self.path)
        conditional = bool(
            self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
        )
        if file is None:
            self._reply(404, "Not Found", [("Content-Type", "text/plain")], b"not in snapshot\n",
                        send_body, conditional)
            return
        body = file.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        modified = email.utils.formatdate(file.stat().st_mtime, usegmt=True)
        headers = [("ETag", etag), ("Last-Modified", modified)]
        status, reason = 200, "OK"
        sidecar = _headers_file(file)
        if sidecar:
            status, reason, extra = sidecar
            headers += extra
        if not any(name.lower() == "content-type" for name, _ in headers):
            guessed = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
            headers.append(("Content-Type", guessed or "application/octet-stream"))
        if status == 200 and self._not_modified(etag, file.stat().st_mtime):
            self._reply(304, "Not Modified", [("ETag", etag), ("Last-Modified", modified)], b"",
                        send_body, conditional)
            return
        self._reply(status, reason, headers, body, send_body, conditional)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            parsed = email.utils.parsedate_to_datetime(since)
            return parsed is not None and int(mtime) <= parsed.timestamp()
        return False

    def _reply(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
               send_body: bool, conditional: bool) -> None:
        sent = len(body) if send_body and status != 304 else 0
        self.server.log_request_served(ServedRequest(self.path, status, conditional, sent))
        self.log_request(status)
        self.send_response_only(status, reason)
        given = {name.lower() for name, _ in headers}
        if "date" not in given:
            self.send_header("Date", self.date_time_string())
        if "server" not in given:
            self.send_header("Server", "snapshot")
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if status != 304 else 0))
        self.end_headers()
        if send_body and status != 304:
            self.wfile.write(body)


class SnapshotServer(ThreadingHTTPServer):
    """Serves ``root`` on a loopback port in a background thread."""

    daemon_threads = True
    # A crawl opens dozens of connections at once; the default backlog of 5 drops
    # SYNs, and the client's retransmission back-off then stalls it for seconds.
    request_queue_size = 256

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        directory = Path(root).resolve()
        if not directory.is_dir():
            raise MirrorError(f"snapshot directory {root} does not exist")
        self.root = directory
        self.requests: list[ServedRequest] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def log_request_served(self, request: ServedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def start(self) -> SnapshotServer:
        self._thread = threading.Thread(target=self.serve_forever, name="snapshot-server",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> SnapshotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

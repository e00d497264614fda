"""Mirror mode: every request for SCHEME://HOST/PATH?Q goes to MIRROR/HOST/PATH?Q.

The rewrite happens in the download handler, below every middleware, so the
spider, redirects, robots.txt, politeness slots and storage all see the real
URL; only the bytes come from the mirror.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

MIRROR_SETTING = "MONITOR_MIRROR"


def mirror_url(url: str, mirror: str) -> str:
    """``https://tass.ru/rss/v2.xml?a=1`` → ``{mirror}/tass.ru/rss/v2.xml?a=1``."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2].lower()
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{host}{path}{query}"


def unmirror_url(url: str, mirror: str, scheme: str = "https") -> str:
    """The inverse of :func:`mirror_url` for redirect targets the mirror hands out."""
    prefix = mirror.rstrip("/") + "/"
    if not url.startswith(prefix):
        return url
    return f"{scheme}://{url[len(prefix):]}"


class MirrorDownloadHandler(BaseDownloadHandler):
    """HTTP(S) handler that fetches from the mirror and reports the real URL."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        mirror = crawler.settings.get(MIRROR_SETTING)
        if not mirror:
            raise NotConfigured(f"{MIRROR_SETTING} is not set: mirror mode is off")
        self.mirror: str = mirror
        self.inner = HTTP11DownloadHandler(crawler)

    async def download_request(self, request: Request) -> Response:
        target = mirror_url(request.url, self.mirror)
        response = await self.inner.download_request(request.replace(url=target))
        location = response.headers.get(b"Location")
        if location:
            scheme = urlsplit(request.url).scheme or "https"
            real = unmirror_url(location.decode("latin-1"), self.mirror, scheme)
            response.headers[b"Location"] = real.encode("latin-1")
        return response.replace(url=request.url)

    async def close(self) -> None:
        await self.inner.close()

"""Refuse requests (and redirects) to non-public addresses; see core.netguard.

Disabled, with the reason logged, in mirror mode (every byte comes from the
mirror, which is always allowed) or when MONITOR_ALLOW_PRIVATE_NETWORKS=1.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest, NotConfigured

from core.netguard import ALLOW_ENV, BlockedAddress, check_url, private_networks_allowed
from crawler.mirror import MIRROR_SETTING

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)


class PrivateNetworkGuardMiddleware:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.get(MIRROR_SETTING):
            raise NotConfigured("mirror mode: requests go to the mirror only")
        if private_networks_allowed():
            raise NotConfigured(f"{ALLOW_ENV}=1 allows private addresses")
        return cls()

    async def process_request(self, request: Request, spider: Any = None) -> None:
        try:
            # Resolution blocks; keep it off the event loop.
            await asyncio.to_thread(check_url, request.url)
        except BlockedAddress as exc:
            log.warning("refused %s: %s", request.url, exc)
            raise IgnoreRequest(f"blocked address: {exc}") from None

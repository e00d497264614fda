"""Scrapy settings for the monitor's crawls: every default in one place."""

from __future__ import annotations

from typing import Any

from scrapy.settings import default_settings

from core.config import CrawlerConfig
from crawler.mirror import MIRROR_SETTING

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Extensions that open a way in to a running crawl.
NO_WAY_IN = frozenset({"scrapy.extensions.telnet.TelnetConsole",
                       "scrapy.extensions.remote_control.RemoteControl"})


def scrapy_settings(config: CrawlerConfig, *, mirror: str | None = None,
                    log_level: str = "WARNING") -> dict[str, Any]:
    settings: dict[str, Any] = {
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "USER_AGENT": config.user_agent,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "application/rss+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
            "Accept-Language": "en,ru;q=0.8,ka;q=0.7",
        },
        "ROBOTSTXT_OBEY": config.obey_robots,
        "DOWNLOAD_TIMEOUT": config.download_timeout,
        "DOWNLOAD_MAXSIZE": config.download_maxsize,
        "DOWNLOAD_WARNSIZE": min(config.download_maxsize, 4 * 1024 * 1024),
        "CONCURRENT_REQUESTS": config.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrent_requests_per_domain,
        "DOWNLOAD_DELAY": config.download_delay,
        "AUTOTHROTTLE_ENABLED": config.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(config.download_delay, 0.1),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": config.autothrottle_target_concurrency,
        "REDIRECT_MAX_TIMES": config.max_redirects,
        "RETRY_TIMES": config.retry_times,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],
        # The spider classifies every status itself (403 is "blocked", 304 "not modified").
        "HTTPERROR_ALLOW_ALL": True,
        "COOKIES_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "DOWNLOAD_VERIFY_CERTIFICATES": True,
        # No way in to a running crawl: no telnet console, and not the remote-control
        # HTTP server (POST /execute runs Python) that Scrapy 2.19 starts by default.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        # Left out of the base list, not set to None: Scrapy imports every listed
        # component, and the remote control's import loads aiohttp (a sixth of a
        # no-change run-once).
        "EXTENSIONS_BASE": {path: order for path, order in default_settings.EXTENSIONS_BASE.items()
                            if path not in NO_WAY_IN},
        # Only http(s): no file://, data:, ftp:// or s3:// even if a feed links to one.
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
        # Cookies are off (above); listed, their middleware would still be imported, and
        # with it a public-suffix library.
        "DOWNLOADER_MIDDLEWARES_BASE": {
            path: order for path, order in default_settings.DOWNLOADER_MIDDLEWARES_BASE.items()
            if path != "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"},
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.guard.PrivateNetworkGuardMiddleware": 90,
            "crawler.middlewares.conditional.ConditionalGetMiddleware": 560,
        },
        "LOG_LEVEL": log_level,
        "LOG_ENABLED": True,
        "LOGSTATS_INTERVAL": 0,
        "STATS_DUMP": False,
        "FEED_EXPORTERS": {},
    }
    if mirror:
        # Every byte comes from the mirror, which is always allowed: no address guard.
        del settings["DOWNLOADER_MIDDLEWARES"]["crawler.middlewares.guard.PrivateNetworkGuardMiddleware"]
        handler = "crawler.mirror.MirrorDownloadHandler"
        settings["DOWNLOAD_HANDLERS"].update({"http": handler, "https": handler})
        settings[MIRROR_SETTING] = mirror
    return settings

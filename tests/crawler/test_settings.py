"""The Scrapy settings the monitor crawls with: what must be off stays off."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list

from core.config import CrawlerConfig
from crawler.settings import scrapy_settings


@pytest.mark.parametrize("mirror", [None, "http://127.0.0.1:9"])
def test_no_telnet_console_no_remote_control_and_only_http(mirror: str | None) -> None:
    settings = Settings(scrapy_settings(CrawlerConfig(), mirror=mirror))
    # Scrapy 2.19 turns on a remote-control HTTP server (POST /execute runs Python in the
    # crawler) for every crawl, and writes its token to a job file: a daemon needs neither.
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES") is True
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
    assert all(handlers[scheme] is None for scheme in ("file", "data", "ftp", "s3"))

    # What Scrapy's extension manager will load: neither.
    loaded = build_component_list(settings.getwithbase("EXTENSIONS"))
    assert "scrapy.extensions.corestats.CoreStats" in loaded
    assert not {"scrapy.extensions.telnet.TelnetConsole",
                "scrapy.extensions.remote_control.RemoteControl"} & set(loaded)

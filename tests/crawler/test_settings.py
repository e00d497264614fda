"""The Scrapy settings the monitor crawls with: what must be off stays off."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings, default_settings
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

    # What Scrapy's extension manager will load: neither, and Scrapy's own others.
    loaded = build_component_list(settings.getwithbase("EXTENSIONS"))
    assert "scrapy.extensions.corestats.CoreStats" in loaded
    assert not {"scrapy.extensions.telnet.TelnetConsole",
                "scrapy.extensions.remote_control.RemoteControl"} & set(loaded)
    assert len(loaded) == len(default_settings.EXTENSIONS_BASE) - 2


def test_a_crawl_does_not_import_the_remote_control_or_cookies() -> None:
    # Listing a component as None still imports it (Scrapy loads every key to compare
    # them); the remote control's import would load aiohttp, and the cookie
    # middleware's a public-suffix list, neither any part of this product.
    code = ("import sys\n"
            "from scrapy.settings import Settings\n"
            "from scrapy.utils.conf import build_component_list\n"
            "from core.config import CrawlerConfig\n"
            "from crawler.settings import scrapy_settings\n"
            "settings = Settings(scrapy_settings(CrawlerConfig()))\n"
            "build_component_list(settings.getwithbase('EXTENSIONS'))\n"
            "build_component_list(settings.getwithbase('DOWNLOADER_MIDDLEWARES'))\n"
            "print(*(name in sys.modules for name in ('scrapy.extensions.remote_control',\n"
            "      'aiohttp', 'scrapy.downloadermiddlewares.cookies', 'tldextract')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], check=True)
    assert done.stdout.split() == ["False"] * 4

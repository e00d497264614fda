"""Secrets never reach error text."""

from __future__ import annotations

import asyncio

import pytest

from alerts.channels.slack import SlackChannel
from core.config import SlackChannelConfig
from core.db import make_engine
from core.errors import StorageError
from core.netguard import ALLOW_ENV


def test_database_password_is_not_in_the_error() -> None:
    with pytest.raises(StorageError) as caught:
        make_engine("postgresql://monitor:s3cr3t-pw@127.0.0.1:1/monitor")
    assert "s3cr3t-pw" not in str(caught.value) and "***" in str(caught.value)


def test_webhook_token_is_not_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_ENV, "1")
    url = "http://127.0.0.1:9/services/T000/B000/SECRETTOKEN123"
    channel = SlackChannel("slack", SlackChannelConfig(type="slack", webhook_url=url, timeout=2))
    result = asyncio.run(channel.send_digest([]))
    assert result.ok  # nothing to send
    from tests.alerts.test_channels import message

    failed = asyncio.run(channel.send(message()))
    asyncio.run(channel.aclose())
    assert not failed.ok and "SECRETTOKEN123" not in failed.error

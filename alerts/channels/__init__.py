"""Channels: one small class each behind one contract (see base.Channel)."""

from __future__ import annotations

from collections.abc import Mapping

from alerts.channels.base import Channel, SendResult
from alerts.channels.console import ConsoleChannel
from alerts.channels.email import EmailChannel
from alerts.channels.slack import SlackChannel
from alerts.channels.webhook import WebhookChannel
from core.config import ChannelConfig

_CLASSES: dict[str, type[Channel]] = {
    "console": ConsoleChannel, "slack": SlackChannel, "email": EmailChannel,
    "webhook": WebhookChannel,
}


def build_channels(configs: Mapping[str, ChannelConfig]) -> tuple[dict[str, Channel], dict[str, str]]:
    """(enabled channels by name, disabled channel name → why)."""
    enabled: dict[str, Channel] = {}
    disabled: dict[str, str] = {}
    for name, config in configs.items():
        reason = config.disabled_reason()
        if reason:
            disabled[name] = reason
        else:
            enabled[name] = _CLASSES[config.type](name, config)
    return enabled, disabled


__all__ = ["Channel", "SendResult", "build_channels"]

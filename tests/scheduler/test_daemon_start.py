"""The daemon's own bind: a port taken after the command checked it is a clear error."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import MonitorError
from scheduler.daemon import Daemon
from tests.conftest import fast_settings


def test_a_port_taken_after_the_check_ends_start_up_before_anything_is_opened(
        tmp_path: Path) -> None:
    db = tmp_path / "never.db"
    settings = load_settings(fast_settings(tmp_path), environ={"MONITOR_DB_URL": f"sqlite:///{db}"})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        listen = f"127.0.0.1:{busy.getsockname()[1]}"
        daemon = Daemon(settings, mirror=None, listen=listen)
        with pytest.raises(MonitorError) as raised:
            asyncio.run(daemon.run())
    assert str(raised.value) == f"cannot listen on {listen}: Address already in use"
    assert daemon.monitor is None and not db.exists()

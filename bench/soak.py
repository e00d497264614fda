"""Daemon soak: `monitor run` polling every default source each second against the
snapshot server; resident memory and open descriptors at the start and the end, and
cycles per second.  Targets: growth under 5 MB, no descriptor growth.

Usage: python bench/soak.py [--cycles 1000]   (a cycle = one poll of one source)
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.snapshot_server import SnapshotServer  # noqa: E402


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cycles(base: str) -> int:
    text = httpx.get(f"{base}/metrics", timeout=5).text
    match = re.search(r"^monitor_cycle_seconds_count (\d+(?:\.\d+)?)", text, re.M)
    return int(float(match.group(1))) if match else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SnapshotServer(ROOT / "tests/fixtures/snapshot") as srv:
        text = (ROOT / "settings.toml").read_text("utf-8")
        text = re.sub(r"^interval = \d+", "interval = 1\njitter = 0", text, flags=re.M)
        text = text.replace("download_delay = 0.5", "download_delay = 0")
        config = Path(tmp) / "settings.toml"
        config.write_text(text, "utf-8")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MONITOR_DB_URL": f"sqlite:///{tmp}/soak.db", "PYTHONPATH": str(ROOT)}
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "--config", str(config), "run", "--mirror",
             srv.url, "--listen", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            while True:  # warm-up: the first poll of every source
                try:
                    if cycles(base) >= 10:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            start = (time.monotonic(), cycles(base), rss_mb(daemon.pid), fds(daemon.pid))
            while cycles(base) < start[1] + args.cycles:
                time.sleep(1)
            end = (time.monotonic(), cycles(base), rss_mb(daemon.pid), fds(daemon.pid))
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=120)
    rate = (end[1] - start[1]) / (end[0] - start[0])
    print(f"soak: {end[1] - start[1]} source cycles, 10 sources at a 1 s interval\n")
    print(f"{'measure':<26} {'start':>8} {'end':>8} {'growth':>8}  target")
    print(f"{'resident memory (MB)':<26} {start[2]:>8.1f} {end[2]:>8.1f} {end[2] - start[2]:>8.1f}  < 5 MB")
    print(f"{'open descriptors':<26} {start[3]:>8} {end[3]:>8} {end[3] - start[3]:>8}  0")
    print(f"{'cycles per second':<26} {rate:>8.2f}")
    print(f"daemon exit code after SIGTERM: {daemon.returncode}")


if __name__ == "__main__":
    main()

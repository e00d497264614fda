"""`monitor run-once` over a snapshot of every default source, ~50 items each with their
article pages: a first run, then a second where nothing changed: the feeds answer 304,
except tass.com's, fetched in full because its clones of a page missing from the snapshot
are asked for again (page_retries).

Targets: first run under 5 s, second under 1.5 s, bytes on the no-change cycle under 5 %
of a full cycle.  Usage: python bench/bench_run_once.py [--items 50]
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.snapshot_server import SnapshotServer, _resolve  # noqa: E402

FEEDS = ["tass.com/rss/v2.xml", "tass.ru/rss/v2.xml",
         "sputnikglobe.com/export/rss2/archive/index.xml",
         "sputnik-georgia.ru/export/rss2/archive/index.xml",
         "sputnik-georgia.com/export/rss2/archive/index.xml", "civil.ge/feed", "civil.ge/ru/feed",
         "civil.ge/ka/feed", "mid.ru/en/rss.php", "mid.ru/ru/rss.php"]


def _clone_link(link: str, n: int) -> str:
    parts = urlsplit(link)
    path = parts.path.rstrip("/")
    trailing = "/" if parts.path.endswith("/") else ""
    stem, dot, ext = path.rpartition(".") if path.endswith(".html") else (path, "", "")
    new_path = f"{stem}{n:03d}{dot}{ext}{trailing}"
    return f"{parts.scheme}://{parts.netloc}{new_path}" + (f"?{parts.query}" if parts.query else "")


def _page_file(root: Path, link: str) -> Path:
    parts = urlsplit(link)
    relative = f"{parts.netloc}{parts.path}"
    if parts.path.endswith("/") or not parts.path:
        relative += "index.html"
    return root / relative


def build_snapshot(source: Path, target: Path, items: int) -> None:
    shutil.copytree(source, target)
    for feed in FEEDS:
        path = target / feed
        tree = etree.fromstring(path.read_bytes(), etree.XMLParser(strip_cdata=False))
        channel = tree.find("channel")
        originals = channel.findall("item") if channel is not None else []
        if not originals:
            continue
        n = 0
        while len(channel.findall("item")) < items:
            template = originals[n % len(originals)]
            clone = copy.deepcopy(template)
            n += 1
            link_el = clone.find("link")
            if link_el is None or not link_el.text:
                continue
            old = link_el.text.strip()
            new = _clone_link(old, n)
            for tag in ("link", "guid"):
                element = clone.find(tag)
                if element is not None:
                    element.text = etree.CDATA(new) if tag == "link" else new
            page = _resolve(target.resolve(), "/" + urlsplit(old).netloc + urlsplit(old).path)
            if page is not None:
                destination = _page_file(target, new)
                destination.parent.mkdir(parents=True, exist_ok=True)
                body = page.read_text("utf-8", errors="replace")
                destination.write_text(body.replace("<p", f"<p data-clone='{n}'", 1), "utf-8")
            channel.append(clone)
        path.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="utf-8"))


def run_once(config: Path, db_url: str, mirror: str) -> tuple[float, int]:
    env = {**os.environ, "MONITOR_DB_URL": db_url, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "monitor.cli", "--config", str(config),
                           "run-once", "--mirror", mirror], capture_output=True, text=True,
                          env=env)
    elapsed = time.perf_counter() - started
    if os.environ.get("BENCH_VERBOSE"):
        print(done.stderr[-4000:], file=sys.stderr)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr[-2000:])
    return elapsed, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build_snapshot(ROOT / "tests/fixtures/snapshot", work / "snapshot", args.items)
        config = work / "settings.toml"
        text = (ROOT / "settings.toml").read_text("utf-8")
        text = text.replace("download_delay = 0.5", "download_delay = 0")
        text = text.replace("autothrottle = true", "autothrottle = false")
        text = text.replace("concurrent_requests_per_domain = 2", "concurrent_requests_per_domain = 8")
        text = text.replace("min_feed_text = 400", "min_feed_text = 400\nmax_pages_per_source = 100")
        config.write_text(text, "utf-8")
        db_url = f"sqlite:///{work / 'bench.db'}"
        with SnapshotServer(work / "snapshot") as server:
            first, code1 = run_once(config, db_url, server.url)
            full_bytes = sum(r.size for r in server.requests)
            full_requests = len(server.requests)
            server.requests.clear()
            second, code2 = run_once(config, db_url, server.url)
            idle_bytes = sum(r.size for r in server.requests)
            idle_requests = len(server.requests)
    share = idle_bytes / full_bytes if full_bytes else 0.0
    rows = [
        ("first run (everything new)", f"{first:.2f} s", "< 5 s", f"{full_requests} requests, "
         f"{full_bytes / 1024:.0f} KiB, exit {code1}"),
        ("second run (no change)", f"{second:.2f} s", "< 1.5 s", f"{idle_requests} requests, "
         f"{idle_bytes / 1024:.1f} KiB, exit {code2}"),
        ("bytes, no-change / full", f"{share:.1%}", "< 5 %", ""),
    ]
    print(f"run-once over {len(FEEDS) + 1} sources, ~{args.items} items each\n")
    print(f"{'measure':<28} {'value':>9}  {'target':<8} notes")
    for name, value, target, notes in rows:
        print(f"{name:<28} {value:>9}  {target:<8} {notes}")


if __name__ == "__main__":
    main()

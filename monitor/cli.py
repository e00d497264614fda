"""The `monitor` command.

Exit codes: 0 success; 1 a source or a delivery failed; 2 bad usage or invalid
configuration (the message names the file, key and problem).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from core.config import Settings, load_settings
from core.errors import ConfigError, MonitorError
from core.logs import configure_logging

log = logging.getLogger("monitor")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"monitor: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="monitor", description="Media monitor: feeds in, alerts out.")
    parser.add_argument("--config", help="settings file (default $MONITOR_CONFIG or ./settings.toml)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    once = commands.add_parser("run-once", help="one full cycle, then exit")
    once.add_argument("--source", action="append", default=[], metavar="NAME")
    once.add_argument("--mirror", help="mirror URL, or a snapshot directory to serve")

    run = commands.add_parser("run", help="the daemon")
    run.add_argument("--mirror", help="mirror URL, or a snapshot directory to serve")
    run.add_argument("--listen", metavar="HOST:PORT", help="health and metrics address")

    alerts = commands.add_parser("alerts", help="alert records")
    alerts.add_argument("--json", action="store_true")
    alerts.add_argument("--limit", type=int, default=50)
    alerts.add_argument("--status", help="only alerts with this status")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", parser_class=_Parser)
    retry = alerts_sub.add_parser("retry", help="re-queue an alert, or every dead one")
    retry.add_argument("id", nargs="?", type=int)
    retry.add_argument("--failed", action="store_true")

    sources = commands.add_parser("sources", help="each source's health")
    sources.add_argument("--json", action="store_true")

    rules = commands.add_parser("rules", help="check and backtest rules")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, parser_class=_Parser)
    rules_sub.add_parser("check", help="validate every rule and alias")
    test = rules_sub.add_parser("test", help="backtest a query over stored articles")
    test.add_argument("query", nargs="?")
    test.add_argument("--rule", metavar="NAME")
    test.add_argument("--since", type=float, default=30.0, metavar="DAYS")
    test.add_argument("--limit", type=int, default=20)
    test.add_argument("--json", action="store_true")

    mirror = commands.add_parser("mirror", help="recorded site snapshots")
    mirror_sub = mirror.add_subparsers(dest="mirror_command", required=True, parser_class=_Parser)
    serve = mirror_sub.add_parser("serve", help="serve a snapshot directory")
    serve.add_argument("directory")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    return parser


@contextlib.contextmanager
def mirror_base(value: str | None) -> Iterator[str | None]:
    """A mirror URL as given, or a loopback server over a snapshot directory."""
    value = value or os.environ.get("MONITOR_MIRROR") or None
    if not value:
        yield None
        return
    if Path(value).is_dir():
        from crawler.snapshot_server import SnapshotServer

        with SnapshotServer(value) as server:
            log.info("serving snapshot %s at %s", value, server.url)
            yield server.url
        return
    if not value.startswith(("http://", "https://")):
        raise UsageError(f"--mirror: {value!r} is neither a directory nor an http(s) URL")
    yield value.rstrip("/")


def load(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    configure_logging(settings.logging.level, settings.logging.format)
    return settings


def _validate_rules(settings: Settings, file: str) -> None:
    from alerts.rules import RuleError, RuleSet

    try:
        RuleSet.compile(settings.rules, settings.aliases)
    except RuleError as exc:
        index = next((i for i, r in enumerate(settings.rules) if r.name == exc.rule), 0)
        raise ConfigError(file, f"rules[{index}].query", str(exc)) from None


def cmd_run_once(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.output import print_cycle
    from scheduler.cycle import Monitor, run_cycle
    from scheduler.reactor import run_on_reactor

    names = list(args.source)
    known = {s.name for s in settings.sources}
    for name in names:
        if name not in known:
            raise UsageError(f"--source: unknown source {name!r} (known: {', '.join(sorted(known))})")

    with mirror_base(args.mirror) as mirror:
        async def main() -> int:
            monitor = Monitor(settings, mirror=mirror)
            try:
                report = await run_cycle(monitor, monitor.select_sources(names))
            finally:
                await monitor.aclose()
            print_cycle(report)
            return report.exit_code

        return run_on_reactor(main)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.daemon import run_daemon

    listen = args.listen or settings.server.listen
    with mirror_base(args.mirror) as mirror:
        return run_daemon(settings, mirror=mirror, listen=listen, config_path=args.config)


def cmd_mirror(args: argparse.Namespace) -> int:
    from crawler.snapshot_server import SnapshotServer

    server = SnapshotServer(args.directory, host=args.host, port=args.port)
    print(f"serving {args.directory} at {server.url} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "mirror":
        return cmd_mirror(args)
    if args.command in ("run", "run-once"):
        # Before anything imports twisted.internet.reactor (DESIGN.md, process model).
        from scheduler.reactor import install_asyncio_reactor

        install_asyncio_reactor()
    settings = load(args)
    file = str(args.config or os.environ.get("MONITOR_CONFIG") or "settings.toml")
    _validate_rules(settings, file)
    from monitor import queries

    if args.command == "run-once":
        return cmd_run_once(args, settings)
    if args.command == "run":
        return cmd_run(args, settings)
    if args.command == "alerts":
        if args.alerts_command == "retry":
            return queries.retry_alerts(settings, args.id, args.failed)
        return queries.show_alerts(settings, args.limit, args.json, args.status)
    if args.command == "sources":
        return queries.show_sources(settings, args.json)
    if args.command == "rules":
        if args.rules_command == "check":
            return queries.rules_check(settings)
        if bool(args.query) == bool(args.rule):
            raise UsageError("rules test: give either a QUERY or --rule NAME")
        return queries.rules_test(settings, args.query, args.rule, args.since, args.limit, args.json)
    raise UsageError(f"unknown command {args.command!r}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return dispatch(args)
    except ConfigError as exc:
        print(f"monitor: invalid configuration: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"monitor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MonitorError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

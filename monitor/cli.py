"""The `monitor` command.

Exit codes: 0 success; 1 a source or a delivery failed; 2 bad usage or invalid
configuration (the message names the file, key and problem); 141 the reader of stdout
went away (`monitor alerts | head -1`), as a shell reports a process killed by SIGPIPE.
Every error goes to stderr, so stdout holds only what was asked for (`--json` stays JSON).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import ValidationError

from core.config import ServerConfig, Settings, load_settings
from core.errors import ConfigError, MonitorError
from core.logs import configure_logging
from core.models import ALERT_STATUSES
from monitor import UsageError

log = logging.getLogger("monitor")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # 128 + SIGPIPE, what a shell shows for `yes | head -1`


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"monitor: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    # nan and inf pass a bare `> 0` test or overflow timedelta later; refuse them here.
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of days, got {text}")
    return value


CONFIG_HELP = "settings file (default $MONITOR_CONFIG or ./settings.toml)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="monitor", description="Media monitor: feeds in, alerts out.")
    parser.add_argument("--config", help=CONFIG_HELP)
    # The same option after the subcommand (`monitor run-once --config x`). SUPPRESS keeps a
    # subparser from overwriting a --config given before the subcommand with its default.
    config = _Parser(add_help=False)
    config.add_argument("--config", default=argparse.SUPPRESS, help=CONFIG_HELP)
    common = [config]
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    once = commands.add_parser("run-once", help="one full cycle, then exit", parents=common)
    once.add_argument("--source", action="append", default=[], metavar="NAME")
    once.add_argument("--mirror", help="mirror URL, or a snapshot directory to serve")

    run = commands.add_parser("run", help="the daemon", parents=common)
    run.add_argument("--mirror", help="mirror URL, or a snapshot directory to serve")
    run.add_argument("--listen", metavar="HOST:PORT", help="health and metrics address")

    alerts = commands.add_parser("alerts", help="alert records", parents=common)
    alerts.add_argument("--json", action="store_true")
    alerts.add_argument("--limit", type=_positive_int, default=50)
    alerts.add_argument("--status", choices=ALERT_STATUSES, help="only alerts with this status")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", parser_class=_Parser)
    retry = alerts_sub.add_parser("retry", help="re-queue an alert, or every dead one",
                                  parents=common)
    retry.add_argument("id", nargs="?", type=int)
    retry.add_argument("--failed", action="store_true")

    sources = commands.add_parser("sources", help="each source's health", parents=common)
    sources.add_argument("--json", action="store_true")

    rules = commands.add_parser("rules", help="check and backtest rules", parents=common)
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, parser_class=_Parser)
    rules_sub.add_parser("check", help="validate every rule and alias", parents=common)
    test = rules_sub.add_parser("test", help="backtest a query over stored articles",
                                parents=common)
    test.add_argument("query", nargs="?")
    test.add_argument("--rule", metavar="NAME")
    test.add_argument("--since", type=_positive_days, default=30.0, metavar="DAYS")
    test.add_argument("--limit", type=_positive_int, default=20)
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


def check_listen(listen: str) -> None:
    """Refuse a bad or busy HOST:PORT in one line, before the daemon starts anything."""
    try:
        # settings.toml's own check, so --listen and [server] listen accept the same values.
        ServerConfig(listen=listen)
    except ValidationError as exc:
        problem = exc.errors()[0].get("ctx", {}).get("error", exc.errors()[0]["msg"])
        raise UsageError(f"--listen: {problem}") from None
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")  # as the health server reads an IPv6 [::1]:8080
    try:
        # Bind as asyncio.start_server will (SO_REUSEADDR, every address of the host), so a
        # busy port or an unknown host is reported here rather than as a traceback later.
        for family, kind, proto, _, address in socket.getaddrinfo(
                host, int(port), type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE):
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:  # asyncio's too: [::] must not claim IPv4
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind(address)
    except OSError as exc:
        raise MonitorError(f"cannot listen on {listen}: {exc.strerror or exc}") from None


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.daemon import run_daemon

    listen = args.listen or settings.server.listen
    check_listen(listen)
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
            if (args.id is None) == (not args.failed):
                raise UsageError("alerts retry: give either an alert ID or --failed")
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
        code = dispatch(args)
        # Flush here, not at interpreter exit, so a closed pipe is caught below.
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader left (`| head -1`): not an error. Point stdout at devnull so the
        # interpreter's final flush of what is still buffered does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
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

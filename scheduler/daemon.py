"""`monitor run`: APScheduler 3's AsyncIOScheduler on the reactor's event loop.

One job per source (its interval plus random jitter, ``max_instances=1``,
``coalesce=True``), a delivery job, a cron job per digest channel. Every source
is polled once at start-up. SIGTERM/SIGINT stop scheduling, let the cycle in
flight finish (bounded), deliver what is pending and exit 0. SIGHUP (or a change
of the file on disk) reloads settings.toml; an invalid file is logged and the
running configuration kept. Against PostgreSQL, replicas elect one leader
(scheduler.leader); every replica delivers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from datetime import timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts.outbox import deliver_digest, deliver_due
from core.config import Settings, load_settings
from core.db import ping, session_scope
from core.errors import MonitorError
from core.models import SourceState, utcnow
from scheduler.cycle import Monitor, run_cycle
from scheduler.http import HealthServer
from scheduler.leader import Leadership
from scheduler.metrics import Metrics
from scheduler.reactor import run_on_reactor

log = logging.getLogger(__name__)

DELIVERY_INTERVAL = 10.0
SHUTDOWN_GRACE = 60.0
CONFIG_POLL = 2.0
LEADER_INTERVAL = 5.0  # a follower takes over within about this long after the leader dies


class Daemon:
    def __init__(self, settings: Settings, *, mirror: str | None, listen: str | None,
                 config_path: str | None = None) -> None:
        self.settings = settings
        self.mirror = mirror
        self.listen = listen
        self.config_path = config_path
        self.metrics = Metrics()
        self.stopping = asyncio.Event()
        self.in_flight: set[asyncio.Task[object]] = set()
        self.monitor: Monitor | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.leadership: Leadership | None = None
        self.config_file = config_path or os.environ.get("MONITOR_CONFIG") or "settings.toml"
        self.config_mtime: float | None = None

    # -- jobs -------------------------------------------------------------------

    async def poll_source(self, name: str) -> None:
        if self.stopping.is_set() or self.monitor is None:
            return
        monitor = self.monitor
        with session_scope(monitor.engine) as session:
            state = session.get(SourceState, name)
            if state and state.next_poll_at and state.next_poll_at > utcnow() \
                    and state.consecutive_failures:
                log.info("source %s: backing off until %s", name, state.next_poll_at)
                return
        task = asyncio.current_task()
        if task:
            self.in_flight.add(task)
        try:
            with self.metrics.cycle_seconds.time():
                report = await run_cycle(monitor, [monitor.settings.source(name)], deliver=False)
            for source in report.sources:
                self.metrics.fetches.labels(source.name, source.state).inc()
                self.metrics.new_articles.labels(source.name).inc(source.new)
                self.metrics.matches.labels(source.name).inc(source.matches)
                self.metrics.set_state(source.name, source.state)
            await self.deliver()
        except Exception:
            log.exception("source %s: cycle failed", name)
        finally:
            if task:
                self.in_flight.discard(task)

    async def deliver(self) -> None:
        if self.monitor is None:
            return
        with self.metrics.delivery_seconds.time():
            for name, channel in self.monitor.channels.items():
                report = await deliver_due(self.monitor.engine, {name: channel},
                                           self.monitor.settings.delivery)
                for outcome in ("sent", "retried", "dead", "folded"):
                    self.metrics.alerts.labels(name, outcome).inc(getattr(report, outcome))

    def watch_config(self) -> None:
        """Reload when settings.toml changes on disk (SIGHUP does the same at once)."""
        try:
            mtime = Path(self.config_file).stat().st_mtime
        except OSError:
            return
        if self.config_mtime is not None and mtime != self.config_mtime:
            log.info("%s changed: reloading", self.config_file)
            self.reload()
        self.config_mtime = mtime

    async def digest(self, channel_name: str) -> None:
        if self.monitor and channel_name in self.monitor.channels:
            await deliver_digest(self.monitor.engine, self.monitor.channels[channel_name],
                                 self.monitor.settings.delivery)

    # -- lifecycle -------------------------------------------------------------------

    def _schedule(self, scheduler: AsyncIOScheduler, monitor: Monitor) -> None:
        """(Re)create the jobs: delivery on every replica; crawls and digests on the leader.
        A source already scheduled keeps its next poll: a reload does not poll everything."""
        planned = {}
        for job in scheduler.get_jobs():
            if job.id not in ("leadership", "config-watch"):
                planned[job.id] = job.next_run_time
                job.remove()
        scheduler.add_job(self.deliver, IntervalTrigger(seconds=DELIVERY_INTERVAL), id="deliver",
                          max_instances=1, coalesce=True)
        if self.leadership is None or not self.leadership.held:
            return
        now = utcnow()
        for index, source in enumerate(monitor.select_sources()):
            scheduler.add_job(
                self.poll_source, IntervalTrigger(seconds=source.interval, jitter=source.jitter),
                args=[source.name], id=f"source:{source.name}", max_instances=1, coalesce=True,
                misfire_grace_time=int(source.interval),
                # polled once at start-up (or when it joins), then on its interval
                next_run_time=planned.get(f"source:{source.name}")
                or now + timedelta(seconds=index * 0.2),
            )
        for name, channel in monitor.settings.channels.items():
            if channel.mode == "digest" and name in monitor.channels:
                scheduler.add_job(self.digest,
                                  CronTrigger.from_crontab(channel.digest_cron,
                                                           timezone=channel.timezone),
                                  args=[name], id=f"digest:{name}", max_instances=1, coalesce=True)

    def keep_leadership(self) -> None:
        """Heartbeat of the leader; a follower's periodic attempt to take over."""
        if self.leadership is None or self.scheduler is None or self.monitor is None:
            return
        was_leader = self.leadership.held
        try:
            leader = self.leadership.try_acquire()
        except Exception as exc:
            log.error("leadership check failed: %s", exc)
            leader = False
        if leader != was_leader:
            log.info("leadership %s", "taken: scheduling crawls" if leader else "lost")
            self._schedule(self.scheduler, self.monitor)

    def reload(self) -> None:
        try:
            settings = load_settings(self.config_path)
            monitor = Monitor(settings, mirror=self.mirror)
        except MonitorError as exc:
            log.error("reload rejected, keeping the running configuration: %s", exc)
            return
        except Exception as exc:  # a rule that does not compile, for one
            log.error("reload rejected, keeping the running configuration: %s", exc)
            return
        self.settings, self.monitor = settings, monitor
        if self.scheduler:
            self._schedule(self.scheduler, monitor)
        log.info("configuration reloaded: %d sources, %d rules", len(settings.sources),
                 len(settings.rules))

    async def health(self) -> str | None:
        if self.scheduler is None or not self.scheduler.running:
            return "scheduler is not running"
        if self.monitor is None:
            return "not started"
        try:
            ping(self.monitor.engine)
        except MonitorError as exc:
            return str(exc)
        return None

    def request_stop(self) -> None:
        log.info("stop requested: finishing the cycle in flight")
        self.stopping.set()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        # Listening first: a port taken since the command checked it ends the start-up
        # before anything else is opened (/healthz says "not started" meanwhile).
        server = HealthServer(self.listen, self.health, self.metrics.render) if self.listen else None
        if server:
            await server.start()
        self.monitor = Monitor(self.settings, mirror=self.mirror)
        self.scheduler = AsyncIOScheduler(event_loop=loop, timezone="UTC")
        self.leadership = Leadership(self.monitor.engine)
        if not self.leadership.try_acquire():
            log.info("another replica is the leader: this one delivers and waits to take over")
        self._schedule(self.scheduler, self.monitor)
        self.scheduler.add_job(self.keep_leadership, IntervalTrigger(seconds=LEADER_INTERVAL),
                               id="leadership", max_instances=1, coalesce=True)
        self.watch_config()
        self.scheduler.add_job(self.watch_config, IntervalTrigger(seconds=CONFIG_POLL),
                               id="config-watch", max_instances=1, coalesce=True)
        self.scheduler.start()
        log.info("monitor running: %d sources", len(self.monitor.select_sources()))
        await self.stopping.wait()
        # No new runs; the cycles in flight finish first (bounded): shutting the scheduler
        # down would cancel them, since they run as its executor's tasks.
        self.scheduler.pause()
        if self.in_flight:
            await asyncio.wait(list(self.in_flight), timeout=SHUTDOWN_GRACE)
        self.scheduler.shutdown(wait=False)
        await self.deliver()
        if server:
            await server.stop()
        await self.monitor.aclose()
        self.leadership.release()
        log.info("monitor stopped")
        return 0


def run_daemon(settings: Settings, *, mirror: str | None, listen: str | None,
               config_path: str | None = None) -> int:
    daemon = Daemon(settings, mirror=mirror, listen=listen, config_path=config_path)
    return run_on_reactor(daemon.run)

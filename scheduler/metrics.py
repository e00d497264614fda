"""Prometheus metrics, in a registry of our own (tests can build several daemons)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from core.models import SOURCE_STATES


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.fetches = Counter("monitor_fetches_total", "Source fetches by outcome",
                               ["source", "outcome"], registry=self.registry)
        self.new_articles = Counter("monitor_new_articles_total", "Articles stored",
                                    ["source"], registry=self.registry)
        self.matches = Counter("monitor_rule_matches_total", "Rule matches recorded",
                               ["source"], registry=self.registry)
        self.alerts = Counter("monitor_alerts_total", "Alert deliveries by channel and outcome",
                              ["channel", "outcome"], registry=self.registry)
        self.source_state = Gauge("monitor_source_state", "1 for the state a source is in",
                                  ["source", "state"], registry=self.registry)
        self.cycle_seconds = Histogram("monitor_cycle_seconds", "Duration of a source's cycle",
                                       buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300),
                                       registry=self.registry)
        self.delivery_seconds = Histogram("monitor_delivery_seconds", "Duration of a delivery run",
                                          buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60),
                                          registry=self.registry)

    def set_state(self, source: str, state: str) -> None:
        for candidate in SOURCE_STATES:
            self.source_state.labels(source, candidate).set(1 if candidate == state else 0)

    def render(self) -> bytes:
        return generate_latest(self.registry)

"""Prometheus metrics of the dataflow, served by ``matchflow run --metrics-port``.

``serve_metrics`` makes one :class:`FlowMetrics` for the run; the run context
hands it to the league logic and the Kafka source, which report into it.
Nothing here runs unless metrics were switched on.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from stream.records import Record


class FlowMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "matchflow_events_total", "Events processed", ["league", "type"], registry=r
        )
        self.dead_letters = Counter(
            "matchflow_dead_letters_total", "Events dead-lettered", ["league"], registry=r
        )
        # A counter that first appears at its first increment is invisible to
        # rate(): start each series at 0 (unparseable payloads now, leagues as seen).
        self.dead_letters.labels("unknown")
        self.late_events = Counter(
            "matchflow_late_events_total",
            "Events older than their league's watermark (kept as history, never priced)",
            ["league", "type"],
            registry=r,
        )
        self.snapshot_errors = Counter(
            "matchflow_snapshot_errors_total",
            "MLflow snapshots that failed (logged with the reason; later ones go on)",
            ["league"],
            registry=r,
        )
        self._leagues: set[str] = set()
        self.rolling_rps = Gauge(
            "matchflow_rolling_rps",
            "Rolling RPS of each model",
            ["league", "model", "phase"],
            registry=r,
        )
        self.drifts = Gauge(
            "matchflow_drifts",
            "Drifts detected (ARF's own and the monitor's)",
            ["league", "detector"],
            registry=r,
        )
        self.warnings = Gauge(
            "matchflow_arf_warnings", "ARF drift warnings", ["league"], registry=r
        )
        self.bankroll = Gauge("matchflow_bankroll", "Bankroll", ["league", "strategy"], registry=r)
        self.lag = Gauge(
            "matchflow_consumer_lag",
            "Messages behind the partition's end",
            ["topic", "partition"],
            registry=r,
        )
        self._last_recovery = time.time()
        Gauge(
            "matchflow_recovery_age_seconds",
            "Seconds since Bytewax last snapshotted state and offsets for recovery",
            registry=r,
        ).set_function(lambda: time.time() - self._last_recovery)
        self._last_mlflow = float("nan")  # none logged yet
        Gauge(
            "matchflow_mlflow_snapshot_age_seconds",
            "Seconds since a league's state was last logged to MLflow (NaN before the first)",
            registry=r,
        ).set_function(lambda: time.time() - self._last_mlflow)
        self._samples: deque[tuple[float, float]] = deque(maxlen=64)
        self._total = 0
        self._lock = threading.Lock()
        Gauge(
            "matchflow_events_per_second", "Events/s over the last ten seconds", registry=r
        ).set_function(self.events_per_second)

    def arrived(self, league: str, kind: str) -> None:
        """An event reached its league (counted on arrival: events held back
        for event-time order are throughput too)."""
        if league not in self._leagues:
            self._leagues.add(league)
            self.dead_letters.labels(league)
            for event_kind in ("fixture", "odds", "result"):
                self.late_events.labels(league, event_kind)
        self.events.labels(league, kind).inc()
        with self._lock:
            self._total += 1
            now = time.monotonic()
            if not self._samples or now - self._samples[-1][0] >= 0.5:
                self._samples.append((now, self._total))

    def observe(self, league: str, records: list[Record]) -> None:
        """What processing an event produced: scores, bankrolls, drift, late events."""
        for record in records:
            row = record.row
            if record.table == "dead_letters":
                self.dead_letters.labels(row["league"] or "unknown").inc()
            elif record.table == "late_events":
                self.late_events.labels(league, row["type"]).inc()
            elif record.table == "model_metrics":
                self.rolling_rps.labels(league, row["model"], row["phase"]).set(row["rolling_rps"])
            elif record.table == "bankroll":
                self.bankroll.labels(league, row["strategy"]).set(row["bankroll"])
            elif record.table == "model_state" and row["model"] == "arf":
                self.drifts.labels(league, "arf").set(row["drifts"])
                self.drifts.labels(league, "monitor").set(row["monitor_drifts"])
                self.warnings.labels(league).set(row["warnings"])

    def recovery_snapshotted(self) -> None:
        self._last_recovery = time.time()

    def snapshot_failed(self, league: str) -> None:
        self.snapshot_errors.labels(league).inc()

    def mlflow_snapshotted(self) -> None:
        self._last_mlflow = time.time()

    def events_per_second(self) -> float:
        with self._lock:
            now = time.monotonic()
            recent = [(t, n) for t, n in self._samples if now - t <= 10.0]
            if len(recent) < 2:
                return 0.0
            (t0, n0), (t1, n1) = recent[0], recent[-1]
            return (n1 - n0) / max(now - t0, t1 - t0, 1e-9)


def serve_metrics(port: int, host: str = "127.0.0.1") -> FlowMetrics:
    """Metrics for one run, served for Prometheus on ``host:port``."""
    metrics = FlowMetrics()
    start_http_server(port, addr=host, registry=metrics.registry)
    return metrics

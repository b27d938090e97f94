"""A replay on several cores: leagues split across processes, one store.

Leagues never share state, so each process runs its own dataflow
(:func:`stream.embedded.run_payloads`) over its own leagues' events, in the
replay's order, and writes them to the common store; the rows are those of a
single process (``tests/stream/test_parallel.py`` compares the stores). The
leagues are split by their number of events, longest first, so the processes
finish together. On PostgreSQL they write to the store side by side; on SQLite
each writes a file of its own beside the store (one writer at a time is
SQLite's rule: sharing the file made two processes no faster than one), and
the store swaps the leagues' old rows for theirs in one transaction at the end
(:mod:`stream.recompute`).

Why not one Bytewax cluster (``-i/-a``)? Its stateful step routes each league
by a hash of its name, not by where the league's events are read: measured
with two processes, three of eight leagues were read in one process and kept
in the other, and four of our five default leagues hashed to the same worker.
A cluster ships every event between processes; disjoint dataflows need no
exchange at all. ``matchflow run --processes`` is disjoint too: each process
reads the topic and keeps its share of the leagues (:class:`stream.routing.Share`).

The split is :func:`stream.routing.split`: the leagues, heaviest first, onto
the lightest process.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stream.recompute import beside, swap_in
from stream.routing import split

if TYPE_CHECKING:  # the children unpickle their target before anything heavy loads
    from stream.config import FlowConfig
    from stream.embedded import RunStats
    from stream.snapshots import SnapshotOptions


def league_of(payload: str) -> str:
    return json.loads(payload)["league"]


@dataclass(frozen=True)
class _Job:
    payloads: list[str]
    db_url: str
    config: FlowConfig
    batch_size: int
    snapshot: SnapshotOptions | None
    key: bytes


def _child(jobs, progress, results, stop_event) -> None:
    """One process's dataflow. Its job comes through a queue once it runs:
    given as the process's argument, a job's payloads would be written into
    a pipe the child reads only after its imports (~6 s), one child after the
    other. The parent owns the terminal's signals: it asks its children to
    stop through ``stop_event``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from stream.embedded import run_payloads  # Bytewax and River load in every child at once

    item = jobs.get()
    if item is None:  # closed before a job came
        return
    index, job = item
    try:
        stats = run_payloads(
            job.payloads,
            job.db_url,
            job.config,
            job.batch_size,
            on_batch=progress.put,
            snapshot=job.snapshot,
            stop=stop_event.is_set,
            key=job.key,
        )
        results.put(("done", index, stats))
    except BaseException as exc:
        results.put(("error", index, f"{type(exc).__name__}: {exc}"))


@dataclass(frozen=True)
class ParallelStats:
    """The merged run, and how far each process got into its own events."""

    stats: RunStats
    reached: list[str]  # each process's last event time replayed ("" if none)


class ProcessFailed(RuntimeError):
    pass


class ReplayWorkers:
    """``processes`` spawned children that load Bytewax and River (seconds)
    at once, then wait for their share of a replay: started before the data
    is read, they are ready when it is."""

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("spawn")  # no fork under Bytewax's threads
        self._jobs, self._progress, self._results = (context.Queue() for _ in range(3))
        self._stop = context.Event()
        self._children = [
            context.Process(
                target=_child,
                args=(self._jobs, self._progress, self._results, self._stop),
                daemon=True,
            )
            for _ in range(processes)
        ]
        for child in self._children:
            child.start()

    def __enter__(self) -> ReplayWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        for _ in self._children:
            self._jobs.put(None)  # an idle child ends; a busy one stops at its next batch
        for child in self._children:
            child.join(timeout=30)
            if child.is_alive():
                child.terminate()

    def run(
        self,
        payloads: Sequence[str],
        db_url: str,
        config: FlowConfig,
        key: bytes,
        batch_size: int = 500,
        on_batch: Callable[[int], None] | None = None,
        snapshot: SnapshotOptions | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> ParallelStats:
        """Stream the payloads into the store, one group of leagues per
        child; ``stop()`` ends each at its next batch."""
        leagues, grouped = _grouped(payloads, len(self._children))
        with beside(db_url, len(grouped)) as targets:
            jobs = [
                _Job(items, target, config, batch_size, snapshot, key)
                for items, target in zip(grouped, targets)
            ]
            started = time.perf_counter()
            for index, job in enumerate(jobs):
                self._jobs.put((index, job))
            outcomes = _collect(
                self._children,
                len(jobs),
                self._progress,
                self._results,
                self._stop,
                on_batch,
                stop,
            )
            errors = [detail for kind, _, detail in outcomes if kind == "error"]
            if errors or len(outcomes) < len(jobs):
                self._stop.set()
                raise ProcessFailed("; ".join(errors) or "a replay process ended without a result")
            swap_in(db_url, leagues, targets)  # everything written, even when stopped early
        by_index = {index: stats for _, index, stats in outcomes}
        parts = [by_index[i] for i in range(len(jobs))]
        return _merge(parts, jobs, time.perf_counter() - started)


def run_parallel(payloads: Sequence[str], processes: int, *args, **kwargs) -> ParallelStats:
    """:meth:`ReplayWorkers.run` on ``processes`` new children."""
    with ReplayWorkers(processes) as workers:
        return workers.run(payloads, *args, **kwargs)


def _grouped(payloads: Sequence[str], processes: int) -> tuple[list[str], list[list[str]]]:
    """The leagues, and the payloads of each group of them in the replay's own order."""
    leagues = [league_of(payload) for payload in payloads]
    sizes: dict[str, int] = {}
    for code in leagues:
        sizes[code] = sizes.get(code, 0) + 1
    groups = split(sizes, processes)
    group_of = {code: index for index, group in enumerate(groups) for code in group}
    grouped: list[list[str]] = [[] for _ in groups]
    for payload, code in zip(payloads, leagues):
        grouped[group_of[code]].append(payload)
    return sorted(sizes), grouped


def _collect(children, expected, progress, results, stop_event, on_batch, stop) -> list[tuple]:
    outcomes: list[tuple] = []
    while len(outcomes) < expected:
        if stop is not None and stop():
            stop_event.set()
        try:
            outcomes.append(results.get(timeout=0.1))
        except queue.Empty:
            if not any(child.is_alive() for child in children) and results.empty():
                break
        while True:  # the progress so far
            try:
                n = progress.get_nowait()
            except queue.Empty:
                break
            if on_batch is not None:
                on_batch(n)
    while True:  # what the children counted before they answered
        try:
            n = progress.get(timeout=0.2)
        except queue.Empty:
            return outcomes
        if on_batch is not None:
            on_batch(n)


def _merge(parts: list[RunStats], jobs: list[_Job], seconds: float) -> ParallelStats:
    from stream.embedded import RunStats

    sizes: dict[tuple[str, str], int] = {}
    logged: list[dict] = []
    for stats in parts:
        sizes.update(stats.model_bytes)
        logged += stats.snapshots
    reached = [
        json.loads(job.payloads[stats.events - 1])["ts"] if stats.events else ""
        for stats, job in zip(parts, jobs)
    ]
    merged = RunStats(
        events=sum(s.events for s in parts),
        seconds=seconds,
        model_bytes=sizes,
        snapshots=logged,
        stream_seconds=max(s.stream_seconds for s in parts),
    )
    return ParallelStats(merged, reached)

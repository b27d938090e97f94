"""Bytewax sinks of ``(league, [Record, ...])`` pairs.

:class:`StoreSink` writes behind: a background thread upserts each batch while
the worker goes on processing (the database works on the other core; for
PostgreSQL, so does a child process that runs psycopg), and the
partition's ``snapshot()`` (called by Bytewax at the end of every epoch, before
the epoch's state is committed) waits until everything handed over is written.
So a recovered dataflow never resumes past a row that was not stored; the
at-least-once tail it replays is harmless because every write is an upsert.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Protocol

from bytewax.outputs import (
    DynamicSink,
    FixedPartitionedSink,
    StatefulSinkPartition,
    StatelessSinkPartition,
)

from models.sealing import seal
from stream.records import Record
from stream.storage import open_store

Observer = Callable[[Record], None]
_STOP = object()


class Writer(Protocol):
    """What the sink needs of a store (a :class:`Store` is one)."""

    def write(self, records: list[Record]) -> int: ...

    def close(self) -> None: ...


def open_writer(url: str) -> Writer:
    """PostgreSQL is written from a child process (:mod:`stream.writer_process`:
    psycopg's Python work would take the worker's GIL); SQLite's writes run in
    C with the GIL released, and stay in this process."""
    if url.startswith(("postgresql:", "postgres:")):
        from stream.writer_process import WriterProcess

        return WriterProcess(url)
    return open_store(url)


class WriteBehind:
    """Upsert batches on a background thread; :meth:`flush` waits for them and
    re-raises the first failure, so an error stops the dataflow."""

    def __init__(self, store: Writer, depth: int = 16) -> None:
        self._store = store
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="store-writer", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is _STOP:
                    return
                if self._error is None:
                    self._store.write(batch)
            except BaseException as exc:
                self._error = exc
            finally:
                self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            raise RuntimeError(f"store write failed: {self._error}") from self._error

    def submit(self, batch: list[Record]) -> None:
        self._raise()
        self._queue.put(batch)

    def flush(self) -> None:
        self._queue.join()
        self._raise()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._queue.put(_STOP)
            self._thread.join()
            self._store.close()


class _StorePartition(StatefulSinkPartition[list[Record], None]):
    def __init__(self, store: Writer, observer: Observer | None, key: bytes) -> None:
        self._writer = WriteBehind(store)
        self._observer = observer
        self._key = key

    def write_batch(self, values: list[list[Record]]) -> None:
        rows = []
        for batch in values:
            for record in batch:
                if record.table == "league_state":  # pickled models leave sealed
                    rows.append(
                        Record(
                            record.table,
                            {**record.row, "state": seal(record.row["state"], self._key)},
                        )
                    )
                elif not record.table.startswith("_"):
                    rows.append(record)
                elif self._observer is not None:
                    self._observer(record)
        if rows:
            self._writer.submit(rows)

    def snapshot(self) -> None:
        self._writer.flush()  # the epoch's rows are stored before its state is
        return None

    def close(self) -> None:
        self._writer.close()


class StoreSink(FixedPartitionedSink[list[Record], None]):
    """Write records to the store a URL names, behind the stream. Measurements
    (tables named ``_...``) go to ``observer`` instead, when one is given.

    One partition: a single writer per dataflow keeps SQLite free of lock
    contention and is far from PostgreSQL's limits at this volume.
    """

    def __init__(
        self,
        url: str,
        key: bytes,
        observer: Observer | None = None,
        opener: Callable[[str], Writer] = open_writer,
    ) -> None:
        self.url = url
        self._observer = observer
        self._opener = opener
        self._key = key

    def list_parts(self) -> list[str]:
        return ["store"]

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _StorePartition:
        return _StorePartition(self._opener(self.url), self._observer, self._key)


class _DiscardPartition(StatelessSinkPartition[tuple[str, list[Record]]]):
    def __init__(self, counter: list[int]) -> None:
        self._counter = counter

    def write_batch(self, items: list[tuple[str, list[Record]]]) -> None:
        self._counter[0] += sum(len(batch) for _league, batch in items)


class CountingSink(DynamicSink[tuple[str, list[Record]]]):
    """Count records and drop them (benchmarks measure the flow, not the disk)."""

    def __init__(self) -> None:
        self.counter = [0]

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _DiscardPartition:
        return _DiscardPartition(self.counter)

"""Bytewax sinks of ``(league, [Record, ...])`` pairs: each worker writes its
batches to its own store connection. Upserts on natural keys make the at-least-once tail harmless."""

from __future__ import annotations

from collections.abc import Callable

from bytewax.outputs import DynamicSink, StatelessSinkPartition

from stream.records import Record
from stream.storage import Store, open_store


Observer = Callable[[Record], None]


class _StorePartition(StatelessSinkPartition[tuple[str, list[Record]]]):
    def __init__(self, store: Store, observer: Observer | None) -> None:
        self._store = store
        self._observer = observer

    def write_batch(self, items: list[tuple[str, list[Record]]]) -> None:
        rows = []
        for _league, batch in items:
            for record in batch:
                if not record.table.startswith("_"):
                    rows.append(record)
                elif self._observer is not None:
                    self._observer(record)
        self._store.write(rows)

    def close(self) -> None:
        self._store.close()


class StoreSink(DynamicSink[tuple[str, list[Record]]]):
    """Write lists of records to the store a URL names. Measurements (tables
    named ``_...``) go to ``observer`` instead, when one is given."""

    def __init__(self, url: str, observer: Observer | None = None,
                 opener: Callable[[str], Store] = open_store) -> None:
        self.url = url
        self._observer = observer
        self._opener = opener

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _StorePartition:
        return _StorePartition(self._opener(self.url), self._observer)


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

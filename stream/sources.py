"""Bytewax sources of raw event payloads (JSON text), one job each.

:class:`ReplaySource` streams a prepared list of payloads from a single
partition and resumes from its offset after a crash (the offset is the
partition's snapshot).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition


class _ReplayPartition(StatefulSourcePartition[str, int]):
    def __init__(
        self,
        payloads: Sequence[str],
        offset: int,
        batch_size: int,
        on_batch: Callable[[int], None] | None,
        stop: Callable[[], bool] | None,
    ) -> None:
        self._payloads = payloads
        self._offset = offset
        self._batch_size = batch_size
        self._on_batch = on_batch
        self._stop = stop

    def next_batch(self) -> list[str]:
        if self._offset >= len(self._payloads) or (self._stop is not None and self._stop()):
            raise StopIteration()
        batch = self._payloads[self._offset : self._offset + self._batch_size]
        self._offset += len(batch)
        if self._on_batch is not None:
            self._on_batch(len(batch))
        return list(batch)

    def snapshot(self) -> int:
        return self._offset


class ReplaySource(FixedPartitionedSource[str, int]):
    """Payloads in order, ``batch_size`` at a time; ``on_batch`` sees progress;
    the stream ends early, at a batch boundary, once ``stop()`` is true."""

    def __init__(
        self,
        payloads: Sequence[str],
        batch_size: int = 500,
        on_batch: Callable[[int], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self.payloads = payloads
        self.batch_size = batch_size
        self.on_batch = on_batch
        self.stop = stop

    def list_parts(self) -> list[str]:
        return ["replay"]

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _ReplayPartition:
        return _ReplayPartition(
            self.payloads, resume_state or 0, self.batch_size, self.on_batch, self.stop
        )

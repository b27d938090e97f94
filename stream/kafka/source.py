"""The dataflow's Kafka source: one partition of the topic per source part.

Offsets live in Bytewax's recovery snapshots (the part's state is the next
offset), so a resumed dataflow continues where its last snapshot was taken.
An idle partition's poll never blocks: it asks Bytewax to come back a little
later.
With ``until_idle`` a part ends once it has reached the end of its partition
and nothing has arrived for that many seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, cast

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition
from confluent_kafka import Consumer, KafkaError, TopicPartition

from stream.kafka.admin import client_config, partitions_of
from stream.metrics import FlowMetrics
from stream.routing import Share

BACKOFF = timedelta(milliseconds=50)
FILL_WAIT = 0.05  # seconds


class _PartitionReader(StatefulSourcePartition[bytes, int | None]):
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        partition: int,
        offset: int | None,
        until_idle: float | None,
        batch_size: int,
        stop: Callable[[], bool] | None = None,
        metrics: FlowMetrics | None = None,
        share: Share | None = None,
    ) -> None:
        self._metrics = metrics
        self._share = share
        self._consumer = Consumer(
            client_config(
                bootstrap,
                **{
                    "group.id": "matchflow",  # offsets are not committed: recovery owns them
                    "enable.auto.commit": False,
                    "enable.partition.eof": False,
                    "fetch.message.max.bytes": 4 * 1024 * 1024,
                    "fetch.wait.max.ms": 100,  # a live event waits at most this long
                    # Where the offset asked for is gone to retention, start
                    # at the oldest message kept (the default skips to the end).
                    "auto.offset.reset": "earliest",
                },
            )
        )
        # A fresh part asks for offset 0, not OFFSET_BEGINNING: librdkafka
        # resolves the logical offset on a 500 ms retry timer (first messages
        # after 0.53 s, against 0.03 s); a missing 0 resets to the earliest.
        self._tp = TopicPartition(topic, partition, 0 if offset is None else offset)
        self._consumer.assign([self._tp])
        self._offset = offset
        self._until_idle = until_idle
        self._batch_size = batch_size
        self._last_seen = time.monotonic()
        self._awake: datetime | None = None
        self._active = False
        self._stop = stop

    def next_batch(self) -> list:
        if self._stop is not None and self._stop():  # Ctrl-C: end cleanly, state saved
            raise StopIteration()
        # An active partition may wait briefly to fill a batch (the store writes
        # a batch per call: full batches mean fewer round trips); an idle one
        # never blocks the worker's other partitions.
        wait = FILL_WAIT if self._active else 0
        messages = self._consumer.consume(self._batch_size, timeout=wait)
        values: list = []
        read = 0  # messages read, a share's skipped ones included
        share = self._share
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    self._awake = datetime.now(UTC) + BACKOFF
                continue
            # a message without an error has both (the types allow None for errors)
            self._offset = cast(int, message.offset()) + 1
            read += 1
            if share is None:
                values.append(cast(bytes, message.value()))
            elif share.takes_key(key := message.key()):  # another process's league: skipped
                values.append(KeyedValue(key, cast(bytes, message.value())))
        self._active = bool(read)
        self._report_lag()
        if read:
            self._last_seen = time.monotonic()
            self._awake = None
            return values
        if self._drained_and_idle():
            raise StopIteration()
        self._awake = datetime.now(UTC) + BACKOFF
        return []

    def _report_lag(self) -> None:
        metrics = self._metrics
        if metrics is None:
            return
        _low, high = self._consumer.get_watermark_offsets(self._tp, cached=True)
        if high is not None and high >= 0:
            lag = high - (self._offset or 0)
            metrics.lag.labels(self._tp.topic, str(self._tp.partition)).set(max(lag, 0))

    def _drained_and_idle(self) -> bool:
        if self._until_idle is None or time.monotonic() - self._last_seen < self._until_idle:
            return False
        # The high watermark cached from fetch responses: asking the broker
        # would queue behind this consumer's long-poll fetch (up to 0.5 s).
        _low, high = self._consumer.get_watermark_offsets(self._tp, cached=True)
        if high is None or high < 0:  # nothing fetched yet: not drained
            return False
        return (self._offset or 0) >= high

    def next_awake(self) -> datetime | None:
        return self._awake

    def snapshot(self) -> int | None:
        return self._offset

    def close(self) -> None:
        self._consumer.close()


class KeyedValue(NamedTuple):
    """A message of a share's (``run --processes``): its key says whose it is."""

    key: bytes | None
    value: bytes


class KafkaEventSource(FixedPartitionedSource[bytes, int | None]):
    """Raw message values of ``topic``, partition by partition; every part ends
    once ``stop()`` is true. With a ``share`` (one of ``run --processes N``),
    only the messages its leagues' keys name, and those without a key, each
    as a :class:`KeyedValue`."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        until_idle: float | None = None,
        batch_size: int = 500,
        stop: Callable[[], bool] | None = None,
        metrics: FlowMetrics | None = None,
        share: Share | None = None,
    ) -> None:
        self.share = share
        self.bootstrap = bootstrap
        self.metrics = metrics
        self.topic = topic
        self.until_idle = until_idle
        self.batch_size = batch_size
        self.stop = stop

    def list_parts(self) -> list[str]:
        return [str(p) for p in partitions_of(self.bootstrap, self.topic)]

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _PartitionReader:
        return _PartitionReader(
            self.bootstrap,
            self.topic,
            int(for_part),
            resume_state,
            self.until_idle,
            self.batch_size,
            self.stop,
            self.metrics,
            self.share,
        )

"""Read a topic from given offsets up to where it ends now: the feed's crash
recovery and the tests' checks of what a topic holds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import cast

from confluent_kafka import Consumer, TopicPartition

from stream.kafka.admin import KafkaUnavailable, client_config, partitions_of


def _consumer(bootstrap: str) -> Consumer:
    return Consumer(
        client_config(
            bootstrap,
            **{
                "group.id": "matchflow-reader",
                "enable.auto.commit": False,
                "fetch.message.max.bytes": 8 << 20,
                "auto.offset.reset": "earliest",  # a start gone to retention: the oldest kept
            },
        )
    )


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Each partition's end offset now."""
    consumer = _consumer(bootstrap)
    try:
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
            for p in partitions_of(bootstrap, topic)
        }
    finally:
        consumer.close()


def read_to_end(
    bootstrap: str, topic: str, start: dict[int, int] | None = None, timeout: float = 120.0
) -> Iterator[bytes]:
    """Every message value past ``start`` (default: the beginning) up to each
    partition's current end."""
    start = start or {}
    todo = {p: end for p, end in end_offsets(bootstrap, topic).items() if end > start.get(p, 0)}
    if not todo:
        return
    consumer = _consumer(bootstrap)
    try:
        consumer.assign([TopicPartition(topic, p, start.get(p, 0)) for p in todo])
        deadline = time.monotonic() + timeout
        while todo:
            if time.monotonic() > deadline:
                raise KafkaUnavailable(
                    f"kafka: cannot read {topic!r} to its end "
                    f"(partitions {sorted(todo)} unfinished)"
                )
            for message in consumer.consume(500, timeout=1):
                partition, offset = message.partition(), message.offset()
                if message.error() is not None or partition not in todo or offset is None:
                    continue
                if offset + 1 >= todo[partition]:
                    del todo[partition]
                yield cast(bytes, message.value())
    finally:
        consumer.close()

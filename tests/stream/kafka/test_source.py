"""The Kafka source on a real broker: where a part starts, and reading a topic to its end."""

from __future__ import annotations

import time

import pytest
from bytewax.dataflow import Dataflow
from bytewax.operators import input, output
from bytewax.testing import TestingSink, run_main
from confluent_kafka import Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from stream.kafka.admin import ensure_topics
from stream.kafka.source import KafkaEventSource

MESSAGES = 10
RETAINED_FROM = 4  # records before this offset of partition 0 are deleted


@pytest.fixture
def trimmed_topic(kafka, topic):
    """Ten messages ``m0``..``m9`` on partition 0, the first four deleted (as
    retention would), and ``other`` on partition 1."""
    ensure_topics(kafka.bootstrap, [topic])
    producer = Producer({"bootstrap.servers": kafka.bootstrap})
    for i in range(MESSAGES):
        producer.produce(topic, f"m{i}".encode(), partition=0)
    producer.produce(topic, b"other", partition=1)
    assert producer.flush(30) == 0
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap})
    [future] = admin.delete_records([TopicPartition(topic, 0, RETAINED_FROM)]).values()
    assert future.result(timeout=30).low_watermark == RETAINED_FROM
    return topic


def _read(part, expected: int, timeout: float = 30.0) -> list[bytes]:
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(values) < expected and time.monotonic() < deadline:
        values += part.next_batch()
    part.close()
    return values


@pytest.mark.parametrize(
    ("resume_from", "first"),
    [(None, RETAINED_FROM), (2, RETAINED_FROM), (7, 7)],
    ids=["fresh", "resumed-before-retention", "resumed"],
)
def test_a_part_starts_at_its_offset_or_the_oldest_message_kept(
    kafka, trimmed_topic, resume_from, first
):
    source = KafkaEventSource(kafka.bootstrap, trimmed_topic)
    part = source.build_part("events", "0", resume_from)

    values = _read(part, MESSAGES - first)

    # Not the end of the partition (librdkafka's default reset would skip there).
    assert values == [f"m{i}".encode() for i in range(first, MESSAGES)]
    assert part.snapshot() == MESSAGES  # the next offset, for the recovery snapshot


def test_the_source_reads_every_partition_and_ends_when_idle(kafka, trimmed_topic):
    flow = Dataflow("source")
    out: list[bytes] = []
    output(
        "out",
        input("in", flow, KafkaEventSource(kafka.bootstrap, trimmed_topic, 0.5)),
        TestingSink(out),
    )

    started = time.monotonic()
    run_main(flow)

    assert sorted(out) == sorted(
        [b"other", *(f"m{i}".encode() for i in range(RETAINED_FROM, MESSAGES))]
    )
    assert time.monotonic() - started < 10  # it ended once idle, not at a timeout

"""Feed events to the topic (key = league) and rejects to ``<topic>.dlq``;
read back what the topic holds past given offsets (crash recovery)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from confluent_kafka import Consumer, TopicPartition

from stream.feeds.events import Event
from stream.kafka.admin import KafkaUnavailable, dlq_topic, ensure_topics, partitions_of
from stream.kafka.dlq import dlq_message
from stream.kafka.producer import EventPublisher
from stream.records import dead_letter


class KafkaFeedSink:
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        ensure_topics(bootstrap, [topic, dlq_topic(topic)])
        self.events = EventPublisher(bootstrap, topic)
        self.rejects = EventPublisher(bootstrap, dlq_topic(topic))

    def publish(self, event: Event) -> None:
        self.events.publish(event.league, event.to_json())

    def dead_letter(self, league: str, match_id: str, payload: str, reason: str) -> None:
        record = dead_letter(payload, reason)
        record.row.update({"league": league, "match_id": match_id})
        self.rejects.publish(*dlq_message(record))

    def flush(self) -> None:
        self.rejects.flush()
        self.events.flush()

    def _consumer(self) -> Consumer:
        return Consumer({"bootstrap.servers": self.bootstrap, "group.id": "matchflow-feed",
                         "enable.auto.commit": False, "enable.partition.eof": True})

    def positions(self) -> dict[str, int]:
        """Each partition's end offset now."""
        consumer = self._consumer()
        try:
            return {str(p): consumer.get_watermark_offsets(TopicPartition(self.topic, p),
                                                           timeout=30)[1]
                    for p in partitions_of(self.bootstrap, self.topic)}
        finally:
            consumer.close()

    def published_since(self, positions: dict[str, int]) -> Iterator[bytes]:
        """Every message value the topic has received past ``positions``."""
        ends = self.positions()
        todo = {int(p): end for p, end in ends.items() if end > positions.get(p, 0)}
        if not todo:
            return
        consumer = self._consumer()
        try:
            consumer.assign([TopicPartition(self.topic, p, positions.get(str(p), 0))
                             for p in todo])
            deadline = time.monotonic() + 120
            while todo:
                if time.monotonic() > deadline:
                    raise KafkaUnavailable(f"kafka: cannot read back {self.topic!r} "
                                           f"(partitions {sorted(todo)} unfinished)")
                for message in consumer.consume(500, timeout=5):
                    if message.error() is not None:
                        continue
                    if message.offset() + 1 >= todo.get(message.partition(), 0):
                        todo.pop(message.partition(), None)
                    yield message.value()
        finally:
            consumer.close()

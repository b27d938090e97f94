"""Feed events to the topic (key = league) and rejects to ``<topic>.dlq``;
read back what the topic holds past given offsets (crash recovery)."""

from __future__ import annotations

from collections.abc import Iterator

from stream.events import Event
from stream.kafka.admin import dlq_topic, ensure_topics
from stream.kafka.dlq import dlq_message
from stream.kafka.producer import EventPublisher
from stream.kafka.reader import end_offsets, read_to_end
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

    def positions(self) -> dict[str, int]:
        """Each partition's end offset now (string keys: the state file is JSON)."""
        return {str(p): end for p, end in end_offsets(self.bootstrap, self.topic).items()}

    def published_since(self, positions: dict[str, int]) -> Iterator[bytes]:
        """Every message value the topic has received past ``positions``."""
        return read_to_end(self.bootstrap, self.topic, {int(p): o for p, o in positions.items()})

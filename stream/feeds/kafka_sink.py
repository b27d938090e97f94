"""Feed events to the topic (key = league) and rejects to ``<topic>.dlq``."""

from __future__ import annotations

from stream.feeds.events import Event
from stream.kafka.admin import dlq_topic, ensure_topics
from stream.kafka.dlq import dlq_message
from stream.kafka.producer import EventPublisher
from stream.records import dead_letter


class KafkaFeedSink:
    def __init__(self, bootstrap: str, topic: str) -> None:
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

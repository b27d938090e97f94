"""Kafka topics in the tests: publish raw payloads, read a topic back."""

from __future__ import annotations

from stream.kafka.admin import ensure_topics
from stream.kafka.producer import EventPublisher
from stream.kafka.reader import read_to_end


def publish(bootstrap: str, topic: str, payloads: list[tuple[str | None, str | bytes]]) -> None:
    ensure_topics(bootstrap, [topic])
    publisher = EventPublisher(bootstrap, topic)
    for key, value in payloads:
        publisher.publish(key, value)
    publisher.flush()


def drain(bootstrap: str, topic: str) -> list[bytes]:
    """Every message value now on ``topic``, from the start of each partition."""
    return list(read_to_end(bootstrap, topic))

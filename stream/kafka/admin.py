"""Topics: create them when missing, read their partitions."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

DEFAULT_PARTITIONS = 8


class KafkaUnavailable(RuntimeError):
    """The broker cannot be reached or refused the request."""


def client_config(bootstrap: str, **settings: object) -> dict:
    """A client's configuration. librdkafka logs every failed connection
    attempt (hundreds of lines while a broker is down); errors reach us as
    exceptions and delivery results, so only its critical logs are kept."""
    return {"bootstrap.servers": bootstrap, "log_level": 2, **settings}


def _reason(exc: KafkaException) -> str:
    error = exc.args[0] if exc.args else None
    return error.str() if isinstance(error, KafkaError) else str(exc)


def dlq_topic(topic: str) -> str:
    """``match-events`` -> ``match-events.dlq``."""
    return f"{topic}.dlq"


def ensure_topics(
    bootstrap: str, topics: list[str], partitions: int = DEFAULT_PARTITIONS, timeout: float = 30.0
) -> None:
    admin = AdminClient(client_config(bootstrap))
    try:
        existing = set(admin.list_topics(timeout=timeout).topics)
    except KafkaException as exc:
        raise KafkaUnavailable(
            f"kafka: no broker answered at {bootstrap} within {timeout:g} s ({_reason(exc)})"
        ) from None
    missing = [
        NewTopic(t, num_partitions=partitions, replication_factor=1)
        for t in topics
        if t not in existing
    ]
    if not missing:
        return
    for topic, future in admin.create_topics(missing, request_timeout=timeout).items():
        try:
            future.result()
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise KafkaUnavailable(f"kafka: cannot create {topic}: {exc}") from None


def partitions_of(bootstrap: str, topic: str, timeout: float = 30.0) -> list[int]:
    admin = AdminClient(client_config(bootstrap))
    try:
        metadata = admin.list_topics(topic=topic, timeout=timeout)
    except KafkaException as exc:
        raise KafkaUnavailable(
            f"kafka: no broker answered at {bootstrap} within {timeout:g} s ({_reason(exc)})"
        ) from None
    described = metadata.topics.get(topic)
    if described is None or described.error is not None:
        raise KafkaUnavailable(f"kafka: topic {topic!r} does not exist")
    return sorted(described.partitions)

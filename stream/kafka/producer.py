"""Publish events with the league as key: idempotent, every delivery checked.

A failed delivery is never silent: :meth:`EventPublisher.close` raises
:class:`DeliveryError` naming how many messages failed and the first reason.
"""

from __future__ import annotations

from collections.abc import Callable

from confluent_kafka import Producer

from stream.kafka.admin import client_config

MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class DeliveryError(RuntimeError):
    pass


def producer_config(bootstrap: str) -> dict:
    return client_config(
        bootstrap,
        **{
            "enable.idempotence": True,  # acks=all, ordered, no duplicates on retry
            "acks": "all",
            "linger.ms": 20,
            "compression.type": "lz4",
            "message.max.bytes": MAX_MESSAGE_BYTES,
            "delivery.timeout.ms": 120_000,
        },
    )


class EventPublisher:
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self._producer = Producer(producer_config(bootstrap))
        self.delivered = 0
        self.failed = 0
        self.first_error: str | None = None

    def _on_delivery(self, err, _msg) -> None:
        if err is None:
            self.delivered += 1
            return
        self.failed += 1
        self.first_error = self.first_error or str(err)

    def publish(
        self,
        key: str | None,
        value: str | bytes,
        headers: list[tuple[str, str | bytes | None]] | None = None,
        on_delivery: Callable[[object, object], None] | None = None,
    ) -> None:
        """Hand one message to the producer; its result goes to ``on_delivery``
        when given (the caller tracks it), else into this publisher's counts."""
        while True:
            try:
                self._producer.produce(
                    self.topic,
                    key=key,
                    value=value,
                    headers=headers,
                    on_delivery=on_delivery or self._on_delivery,
                )
                break
            except BufferError:  # local queue full: let deliveries drain
                self._producer.poll(0.1)
        self._producer.poll(0)

    def poll(self, timeout: float) -> None:
        """Serve delivery callbacks for up to ``timeout`` seconds."""
        self._producer.poll(timeout)

    def flush(self, timeout: float = 120.0) -> None:
        pending = self._producer.flush(timeout)
        if pending:
            raise DeliveryError(
                f"kafka: {pending} messages still undelivered after {timeout:.0f} s"
            )
        if self.failed:
            failed, first = self.failed, self.first_error
            self.failed, self.first_error = 0, None  # reported once; the publisher goes on
            raise DeliveryError(f"kafka: {failed} messages failed delivery (first: {first})")

    close = flush

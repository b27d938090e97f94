"""Dead letters to the ``<topic>.dlq`` topic: the original payload, the reason
in a header and in the value, keyed by league when it is known."""

from __future__ import annotations

import json

from bytewax.outputs import DynamicSink, StatelessSinkPartition

from stream.kafka.producer import EventPublisher
from stream.records import Record


def dlq_message(record: Record) -> tuple[str | None, str, list[tuple[str, str | bytes | None]]]:
    """(key, value, headers) of one dead letter.

    >>> from stream.records import dead_letter
    >>> key, value, headers = dlq_message(dead_letter("{oops", "payload: not valid JSON"))
    >>> key, json.loads(value)["payload"], headers[0][0]
    (None, '{oops', 'reason')
    """
    row = record.row
    value = json.dumps(
        {
            "reason": row["reason"],
            "league": row["league"],
            "match_id": row["match_id"],
            "payload": row["payload"],
        }
    )
    return row["league"], value, [("reason", row["reason"].encode()[:1000])]


class _DlqPartition(StatelessSinkPartition[Record]):
    def __init__(self, publisher: EventPublisher) -> None:
        self._publisher = publisher

    def write_batch(self, items: list[Record]) -> None:
        for record in items:
            key, value, headers = dlq_message(record)
            self._publisher.publish(key, value, headers)
        self._publisher.flush()

    def close(self) -> None:
        self._publisher.flush()


class DeadLetterSink(DynamicSink[Record]):
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap = bootstrap
        self.topic = topic

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _DlqPartition:
        return _DlqPartition(EventPublisher(self.bootstrap, self.topic))

"""What became of one ``POST /events`` request's messages, and the
``Idempotency-Key`` that lets a client retry it without duplicates.

Each message of a request has a state: ``new`` (not handed to Kafka yet),
``pending`` (handed over, no answer), ``delivered`` or ``failed``. A retry
with the same key publishes only the ``new`` and ``failed`` ones: a pending
message may still arrive (the producer retries it for its delivery timeout),
so publishing it again could duplicate it.

>>> delivery = Delivery(3)
>>> delivery.unsent()
[0, 1, 2]
>>> delivery.sent(0); delivery.on_result(0, None)
>>> delivery.sent(1); delivery.on_result(1, "broker down")
>>> delivery.counts()
{'delivered': 1, 'pending': 0, 'failed': 1, 'unsent': 1}
>>> delivery.unsent()
[1, 2]
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

NEW, PENDING, DELIVERED, FAILED = "new", "pending", "delivered", "failed"


class Delivery:
    """The states of one request's messages, set by Kafka's delivery callbacks
    (which run on whichever thread polls the producer: hence the lock)."""

    def __init__(self, size: int) -> None:
        self._states = [NEW] * size
        self._lock = threading.Lock()
        self.first_error: str | None = None

    def unsent(self) -> list[int]:
        """Indices to publish now: never handed over, or failed for good."""
        with self._lock:
            return [i for i, state in enumerate(self._states) if state in (NEW, FAILED)]

    def sent(self, index: int) -> None:
        with self._lock:
            self._states[index] = PENDING

    def on_result(self, index: int, error: object | None) -> None:
        with self._lock:
            self._states[index] = DELIVERED if error is None else FAILED
            if error is not None:
                self.first_error = self.first_error or str(error)

    def callback(self, index: int) -> Callable[[object, object], None]:
        return lambda error, _message: self.on_result(index, error)

    def counts(self) -> dict[str, int]:
        with self._lock:
            states = list(self._states)
        return {
            "delivered": states.count(DELIVERED),
            "pending": states.count(PENDING),
            "failed": states.count(FAILED),
            "unsent": states.count(NEW),
        }

    @property
    def complete(self) -> bool:
        return self.counts()["delivered"] == len(self._states)

    @property
    def waiting(self) -> bool:
        return self.counts()["pending"] > 0


class KeyConflict(Exception):
    """The key is in use by a request still running, or was used for another body."""


@dataclass
class _Entry:
    fingerprint: str
    delivery: Delivery
    created: float = field(default_factory=time.monotonic)
    busy: bool = False


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class IdempotencyKeys:
    """Recent keys and their deliveries, in memory: at most ``capacity`` keys,
    each kept ``ttl`` seconds (one server process; several would need a
    shared store)."""

    def __init__(self, capacity: int = 10_000, ttl: float = 24 * 3600) -> None:
        self.capacity, self.ttl = capacity, ttl
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, key: str, body_fingerprint: str, size: int) -> Delivery:
        """The key's delivery (a new one on first use), held until :meth:`release`."""
        with self._lock:
            self._expire()
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(body_fingerprint, Delivery(size))
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
            elif entry.fingerprint != body_fingerprint:
                raise KeyConflict("Idempotency-Key: already used for another body")
            elif entry.busy:
                raise KeyConflict("Idempotency-Key: a request with this key is still running")
            entry.busy = True
            return entry.delivery

    def release(self, key: str) -> None:
        with self._lock:
            if key in self._entries:
                self._entries[key].busy = False

    def _expire(self) -> None:
        now = time.monotonic()
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if now - oldest.created < self.ttl:
                break
            self._entries.popitem(last=False)

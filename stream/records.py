"""Rows the dataflow emits for the store: one table name, one dict per row.

>>> dead_letter('{"type": "odds"', "payload: not valid JSON").table
'dead_letters'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Record:
    """A row to upsert, or with ``delete=True`` the row whose natural key (the
    only columns it needs) is to go: a bet withdrawn by a quote of the same
    instant that arrived later."""

    table: str
    row: dict[str, Any]
    delete: bool = False


def iso(moment: datetime) -> str:
    """Fixed-width UTC text, so time columns sort the same in every store
    (the one way matchflow writes a time; a naive time is taken as UTC).

    >>> from datetime import timedelta, timezone
    >>> iso(datetime(2024, 5, 1, 21, 30, tzinfo=timezone(timedelta(hours=2))))
    '2024-05-01T19:30:00+00:00'
    """
    if moment.tzinfo is not None and moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def as_text(value: Any) -> Any:
    """A time as the stores' UTC text (PostgreSQL returns datetimes, SQLite
    text); anything else as it is.

    >>> as_text(datetime(2024, 5, 1, 19, 30)), as_text("2024-05-01T19:30:00+00:00"), as_text(3)
    ('2024-05-01T19:30:00+00:00', '2024-05-01T19:30:00+00:00', 3)
    """
    return iso(value) if isinstance(value, datetime) else value


def _field(payload: str, name: str) -> str | None:
    try:
        value = json.loads(payload).get(name)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and len(value) <= 200 else None


def _timestamp(text: str | None) -> str | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return iso(moment)


def dead_letter(payload: str | bytes, reason: str) -> Record:
    """A rejected event, keyed by a hash of payload and reason (idempotent)."""
    text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else payload
    digest = hashlib.sha256(f"{reason}\x00{text}".encode()).hexdigest()[:32]
    return Record(
        "dead_letters",
        {
            "id": digest,
            "league": _field(text, "league"),
            "match_id": _field(text, "match_id"),
            "ts": _timestamp(_field(text, "ts")),
            "reason": reason,
            "payload": text,
        },
    )

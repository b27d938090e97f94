"""Small helpers every read query shares: rows as plain text, keyset
cursors, ``IN`` lists of named parameters."""

from __future__ import annotations

import base64
import json
from typing import Any

from stream.records import as_text


class BadCursor(ValueError):
    pass


def plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: as_text(value) for key, value in row.items()}


def encode_cursor(*values: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str, size: int) -> list[str]:
    """Keyset position from an opaque cursor; BadCursor when it is not ours.

    >>> decode_cursor(encode_cursor("2020-01-01T15:00:00+00:00", "m"), 2)
    ['2020-01-01T15:00:00+00:00', 'm']
    """
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeError):
        raise BadCursor("cursor: not a cursor this API issued") from None
    if (
        not isinstance(values, list)
        or len(values) != size
        or not all(isinstance(v, str) for v in values)
    ):
        raise BadCursor("cursor: not a cursor this API issued")
    return values


def in_list(ids: list[str], prefix: str = "id") -> tuple[str, dict[str, str]]:
    params = {f"{prefix}{i}": value for i, value in enumerate(ids)}
    return ", ".join(f":{name}" for name in params), params

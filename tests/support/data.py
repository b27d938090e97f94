"""The bundled football-data seasons as replayed events."""

from __future__ import annotations

from functools import lru_cache

from stream.loader import BUNDLED_DATA, load
from stream.replay import replay_events


@lru_cache(maxsize=8)
def bundled_events(league: str, *seasons: str) -> tuple:
    rows = load(BUNDLED_DATA, [league], list(seasons)).rows
    return tuple(replay_events(rows))

"""Shared fixtures: small slices of the bundled data, replayed as events."""

from __future__ import annotations

from functools import lru_cache

import pytest

from stream.loader import BUNDLED_DATA, load
from stream.replay import replay_events


@lru_cache(maxsize=8)
def bundled_events(league: str, *seasons: str) -> tuple:
    rows = load(BUNDLED_DATA, [league], list(seasons)).rows
    return tuple(replay_events(rows))


@pytest.fixture(scope="session")
def e0_two_seasons() -> tuple:
    """E0 2016-17 and 2017-18: 760 matches, Pinnacle pre and closing odds."""
    return bundled_events("E0", "2016-17", "2017-18")

"""The latest model state of each league, as the dataflow published it.

The dataflow writes each league's pickled processor to ``league_state``
(every ``publish_state_every`` seconds and at the end of a stream). This cache
unpickles a league's state once per published version, after checking its seal.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from models.sealing import load_sealed
from stream.league import LeagueProcessor
from stream.storage import Store


@dataclass(frozen=True)
class LeagueModels:
    processor: LeagueProcessor
    updated_at: Any
    matches_learned: int


class LiveModels:
    """Unpickles only blobs whose seal matches ``key`` (models/sealing.py):
    anything else raises :class:`~models.sealing.TamperedBlob`."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, LeagueModels] = {}
        self._lock = threading.Lock()

    def from_registry(self, tracking_uri: str, league: str) -> LeagueModels | None:
        """``models:/matchflow-<league>@live``, cached by its version."""
        from models.snapshots import live_version, load_version

        version = live_version(tracking_uri, league)
        if version is None:
            return None
        key = f"registry:{league}"
        cached = self._cache.get(key)
        if cached is not None and cached.updated_at == f"v{version}":
            return cached
        processor = load_version(tracking_uri, league, version, self._key)
        models = LeagueModels(processor, f"v{version}", processor.learned)
        with self._lock:
            self._cache[key] = models
        return models

    def get(self, store: Store, league: str) -> LeagueModels | None:
        """The league's newest published state, or None if it has none."""
        head = store.fetch(
            "SELECT updated_at, matches_learned FROM league_state WHERE league = :league",
            {"league": league},
        )
        if not head:
            return None
        cached = self._cache.get(league)
        if (
            cached is not None
            and cached.updated_at == head[0]["updated_at"]
            and cached.matches_learned == head[0]["matches_learned"]
        ):
            return cached
        row = store.fetch(
            "SELECT state, updated_at, matches_learned FROM league_state WHERE league = :league",
            {"league": league},
        )[0]
        models = LeagueModels(
            load_sealed(row["state"], self._key), row["updated_at"], row["matches_learned"]
        )
        with self._lock:
            self._cache[league] = models
        return models

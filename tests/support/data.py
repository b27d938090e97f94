"""The bundled football-data seasons as replayed events."""

from __future__ import annotations

from functools import lru_cache

from stream.loader import BUNDLED_DATA, load
from stream.replay import replay_events


@lru_cache(maxsize=8)
def bundled_events(league: str, *seasons: str, goals: bool = False) -> tuple:
    """The replay of bundled seasons; 1X2 quotes only unless ``goals``."""
    rows = load(BUNDLED_DATA, [league], list(seasons)).rows
    events = replay_events(rows)
    return tuple(e for e in events if goals or e.type != "odds" or e.market == "1x2")


HELD_BACK = 20  # results of the last matches kept back: "upcoming" matches


def replay_with_upcoming() -> tuple[list[str], list[str]]:
    """Payloads, and the ids of the matches whose results are held back."""
    events = list(bundled_events("E0", "2021-22", "2022-23", goals=True))
    results = [e for e in events if e.type == "result"]
    upcoming = {e.match_id for e in results[-HELD_BACK:]}
    kept = [e for e in events if not (e.type == "result" and e.match_id in upcoming)]
    return [e.to_json() for e in kept], sorted(upcoming)


DASHBOARD_LEAGUES = ("E0", "SP1")  # the leagues replayed for the dashboard tests

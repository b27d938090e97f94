"""What the benchmarks share: the event-selection flags and loading them."""

from __future__ import annotations

import argparse

from stream.loader import BUNDLED_DATA, available, load
from stream.replay import replay_events


def event_arguments(description: str, leagues: str = "E0",
                    seasons: str = "2005-06:2022-23") -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--leagues", default=leagues, help="comma-separated codes, or all")
    parser.add_argument("--seasons", default=seasons, help="FIRST:LAST")
    parser.add_argument("--repeats", type=int, default=3)
    return parser.parse_args()


def selected_events(leagues: str, seasons: str) -> tuple[list[str], list]:
    """(league codes, events in replay order) for the flags' selection."""
    codes = sorted(available(BUNDLED_DATA)) if leagues == "all" else leagues.split(",")
    low, high = seasons.split(":")
    rows = [r for r in load(BUNDLED_DATA, codes, None).rows if low <= r.season <= high]
    return codes, replay_events(rows)

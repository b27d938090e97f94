"""Synthetic leagues shaped like real ones, for the capacity benchmark.

A league has 20 teams of hidden strength and plays a double round robin: 380
matches a season, a matchweek of 10 every Saturday at 15:00 UTC (every league
at once: the peak a live system must carry). Each match gives, in event time,
its fixture a week before, pre-match odds from three bookmakers (the sharp
``pinnacle``, ``market-avg``, ``market-max``) updated ``updates`` times in
the three days before kick-off, their closing odds at kick-off, and a result
two hours later, with goals drawn from the teams' strengths.

>>> events = league_events("X000", seasons=1, updates=3)
>>> len({e.match_id for e in events}), len(events) // 380
(380, 14)
>>> sorted({e.bookmaker for e in events if e.type == "odds"})
['market-avg', 'market-max', 'pinnacle']
"""

from __future__ import annotations

import heapq
import math
import random
from datetime import UTC, datetime, timedelta

from stream.events import Event, Fixture, Odds, Result, make_match_id
from stream.replay import FIXTURE_LEAD, MATCH_LENGTH, event_order

TEAMS = 20
FIRST_KICKOFF = datetime(2024, 8, 17, 15, tzinfo=UTC)  # a Saturday
# bookmaker -> (margin over fair odds, how much its price wanders)
BOOKMAKERS = {"pinnacle": (0.025, 0.02), "market-avg": (0.055, 0.03), "market-max": (-0.01, 0.04)}


def league_code(index: int) -> str:
    return f"X{index:03d}"


def _round_robin(teams: list[str]) -> list[list[tuple[str, str]]]:
    """Circle method: 19 rounds where everyone plays once, then the return legs."""
    rounds, ring = [], teams[:]
    for r in range(len(ring) - 1):
        pairs = [(ring[i], ring[-1 - i]) for i in range(len(ring) // 2)]
        rounds.append([(a, b) if r % 2 else (b, a) for a, b in pairs])
        ring = [ring[0], ring[-1], *ring[1:-1]]
    return rounds + [[(b, a) for a, b in week] for week in rounds]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _outcome_probabilities(home_rate: float, away_rate: float) -> tuple[float, float, float]:
    def pmf(rate: float, k: int) -> float:
        return math.exp(-rate) * rate**k / math.factorial(k)

    grid = [(h, a, pmf(home_rate, h) * pmf(away_rate, a)) for h in range(11) for a in range(11)]
    home = sum(p for h, a, p in grid if h > a)
    draw = sum(p for h, a, p in grid if h == a)
    total = home + draw + sum(p for h, a, p in grid if h < a)
    return home / total, draw / total, 1 - (home + draw) / total


def _prices(rng: random.Random, fair: tuple[float, ...], margin: float, wander: float) -> list:
    noisy = [p * math.exp(rng.gauss(0, wander)) for p in fair]
    scale = (1 + margin) / sum(noisy)
    return [round(max(1.01, 1 / (p * scale)), 2) for p in noisy]


def _match(rng, league, season, kickoff, home, away, rates, updates) -> list[Event]:
    match_id = make_match_id(league, kickoff, home, away)
    common = {"match_id": match_id, "league": league, "season": season}
    events: list[Event] = [
        Fixture(**common, ts=kickoff - FIXTURE_LEAD, kickoff=kickoff, home=home, away=away)
    ]
    fair = _outcome_probabilities(*rates)
    moments = [
        ("pre", kickoff - timedelta(hours=72 * (updates - i) / updates)) for i in range(updates)
    ]
    for phase, ts in [*moments, ("close", kickoff)]:
        for bookmaker, (margin, wander) in BOOKMAKERS.items():
            home_odds, draw_odds, away_odds = _prices(rng, fair, margin, wander)
            events.append(
                Odds(**common, ts=ts, phase=phase, bookmaker=bookmaker,
                     home=home_odds, draw=draw_odds, away=away_odds)
            )  # fmt: skip
    goals = (_poisson(rng, rates[0]), _poisson(rng, rates[1]))
    events.append(
        Result(**common, ts=kickoff + MATCH_LENGTH, home_goals=goals[0], away_goals=goals[1])
    )
    return events


def league_events(league: str, seasons: int = 1, updates: int = 3, seed: int = 0) -> list[Event]:
    """Every event of ``seasons`` seasons of one synthetic league, in event order."""
    rng = random.Random(f"{league}:{seed}")
    teams = [f"{league} Team {i:02d}" for i in range(TEAMS)]
    strength = {t: rng.gauss(0, 0.35) for t in teams}
    events: list[Event] = []
    for s in range(seasons):
        start = FIRST_KICKOFF + timedelta(weeks=52 * s)
        season = f"{start.year}-{(start.year + 1) % 100:02d}"
        for week, pairs in enumerate(_round_robin(teams)):
            kickoff = start + timedelta(weeks=week)
            for home, away in pairs:
                diff = strength[home] - strength[away]
                rates = (math.exp(0.3 + diff / 2), math.exp(0.05 - diff / 2))
                events += _match(rng, league, season, kickoff, home, away, rates, updates)
        for team in teams:  # strengths drift between seasons
            strength[team] += rng.gauss(0, 0.1)
    return sorted(events, key=event_order)


def leagues_events(count: int, seasons: int = 1, updates: int = 3) -> list[Event]:
    """``count`` leagues interleaved in event time, as one topic would carry them."""
    streams = [league_events(league_code(i), seasons, updates) for i in range(count)]
    return list(heapq.merge(*streams, key=event_order))

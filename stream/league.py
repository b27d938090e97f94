"""One league's state and the life cycle of its matches: predict, then learn.

:class:`LeagueProcessor` is plain Python: the Bytewax dataflow holds one per
league (``op.stateful``), and the benchmark's baseline loop drives the same
class directly. ``process(event)`` returns the records to store; an event that
breaks a match's life cycle comes back as a single dead-letter record.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import datetime

from models.betting import INITIAL_BANKROLL, Decision, closing_line_value, settle
from models.drift import DriftMonitor
from models.factory import MODEL_NAMES, PRIMARY
from models.features import FeatureState
from models.scoring import MatchScore, Prequential
from stream.config import FlowConfig
from stream.events import Fixture, Odds, Result
from stream.records import Record, dead_letter, iso

PHASES = ("pre", "close")


class LifecycleError(ValueError):
    """An event that is valid alone but impossible for its match."""


@dataclass
class MatchState:
    fixture: Fixture
    # phase -> (probabilities per model, odds) of the latest prediction
    predictions: dict[str, tuple[dict[str, tuple[float, float, float]], tuple]] = field(
        default_factory=dict)
    locked_features: dict[str, float] | None = None
    bets: dict[str, Decision] = field(default_factory=dict)
    closing: tuple[float, float, float] | None = None


class LeagueProcessor:
    """Everything one league knows: ratings, models, scores, bankrolls."""

    def __init__(self, league: str, config: FlowConfig) -> None:
        self.league = league
        self.config = config
        self.features = FeatureState()
        self.models = config.build_models()
        self.strategies = config.build_strategies()
        self.bankroll = {s.name: INITIAL_BANKROLL for s in self.strategies}
        self.bank_season: str | None = None
        self.scores = {(m, p): Prequential(config.rolling_window)
                       for m in MODEL_NAMES for p in PHASES}
        self.monitor = DriftMonitor(delta=config.monitor_delta)
        self.open: dict[str, MatchState] = {}
        self.finished: set[str] = set()
        self.learned = 0
        self.events = 0
        self.last_ts: datetime | None = None
        self.last_snapshot = 0  # matches learned at the last MLflow snapshot
        self.season_teams: dict[str, set[str]] = {}

    # -- dispatch ---------------------------------------------------------
    def process(self, event: Fixture | Odds | Result) -> list[Record]:
        self.events += 1
        self.last_ts = event.ts
        try:
            if isinstance(event, Fixture):
                return self._on_fixture(event)
            if isinstance(event, Odds):
                return self._on_odds(event)
            return self._on_result(event)
        except LifecycleError as exc:
            return [dead_letter(event.to_json(), str(exc))]

    def _match(self, event: Odds | Result) -> MatchState:
        if event.match_id in self.finished:
            raise LifecycleError(f"match_id: {event.match_id} already has a result")
        state = self.open.get(event.match_id)
        if state is None:
            raise LifecycleError(f"match_id: unknown match {event.match_id}")
        return state

    # -- fixture ------------------------------------------------------------
    def _on_fixture(self, event: Fixture) -> list[Record]:
        if event.match_id in self.open or event.match_id in self.finished:
            raise LifecycleError(f"match_id: duplicate fixture {event.match_id}")
        if event.home == event.away:
            raise LifecycleError("away: a team cannot play itself")
        self.open[event.match_id] = MatchState(event)
        self.season_teams = {event.season: self.season_teams.get(event.season, set())}
        self.season_teams[event.season].update((event.home, event.away))
        return [self._match_record(event, None)]

    def matchweek(self) -> int:
        """Matches in a round of the current season: half the teams seen."""
        teams = max((len(t) for t in self.season_teams.values()), default=20)
        return max(teams // 2, 1)

    def _match_record(self, fx: Fixture, result: Result | None) -> Record:
        return Record("matches", {
            "match_id": fx.match_id, "league": fx.league, "season": fx.season,
            "kickoff": iso(fx.kickoff), "home": fx.home, "away": fx.away,
            "home_goals": result.home_goals if result else None,
            "away_goals": result.away_goals if result else None,
            "status": "played" if result else "scheduled",
        })

    # -- odds: predict, maybe bet ----------------------------------------------
    def _on_odds(self, event: Odds) -> list[Record]:
        state = self._match(event)
        fx = state.fixture
        if event.ts > fx.kickoff:
            raise LifecycleError(f"ts: odds at {iso(event.ts)} after kick-off")
        features = self.features.features(fx.home, fx.away, fx.kickoff, event.prices)
        probs = {name: model.predict(features) for name, model in self.models.items()}
        state.predictions[event.phase] = (probs, event.prices)
        state.locked_features = features
        records = [self._odds_record(event)]
        records += [self._prediction_record(event, name, p) for name, p in probs.items()]
        if event.phase == "pre":
            records += self._place_bets(state, event, probs[PRIMARY])
        else:
            state.closing = event.prices
            records += [self._bet_record(state, name, None) for name in state.bets]
        return records

    def _odds_record(self, event: Odds) -> Record:
        return Record("odds", {
            "match_id": event.match_id, "phase": event.phase, "bookmaker": event.bookmaker,
            "ts": iso(event.ts), "league": event.league, "home": event.home,
            "draw": event.draw, "away": event.away,
        })

    def _prediction_record(self, event: Odds, model: str, probs: tuple) -> Record:
        return Record("predictions", {
            "match_id": event.match_id, "model": model, "phase": event.phase,
            "ts": iso(event.ts), "league": event.league, "season": event.season,
            "p_home": probs[0], "p_draw": probs[1], "p_away": probs[2],
            "odds_home": event.home, "odds_draw": event.draw, "odds_away": event.away,
            "model_version": self.learned,
        })

    def _place_bets(self, state: MatchState, event: Odds, probs: tuple) -> list[Record]:
        if event.season != self.bank_season:  # each season starts a fresh bank
            self.bank_season = event.season
            self.bankroll = {s.name: INITIAL_BANKROLL for s in self.strategies}
        records = []
        for strategy in self.strategies:
            if strategy.name in state.bets:
                continue  # one bet per match and strategy, at the first value price
            decision = strategy.decide(probs, event.prices, self.bankroll[strategy.name])
            if decision is not None:
                state.bets[strategy.name] = decision
                records.append(self._bet_record(state, strategy.name, None, placed=event.ts))
        return records

    def _bet_record(self, state: MatchState, strategy: str, outcome: int | None,
                    placed: datetime | None = None) -> Record:
        bet, fx = state.bets[strategy], state.fixture
        closing = state.closing[bet.outcome] if state.closing else None
        profit = settle(bet, outcome) if outcome is not None else None
        return Record("bets", {
            "match_id": fx.match_id, "strategy": strategy, "league": fx.league,
            "season": fx.season, "kickoff": iso(fx.kickoff), "outcome": "HDA"[bet.outcome],
            "odds": bet.odds, "probability": bet.probability, "stake": bet.stake,
            "closing_odds": closing,
            "clv": closing_line_value(bet.odds, closing) if closing else None,
            "status": "open" if outcome is None else ("won" if profit > 0 else "lost"),
            "profit": profit,
        })

    # -- result: score, watch drift, settle, learn ---------------------------------
    def _on_result(self, event: Result) -> list[Record]:
        state = self._match(event)
        fx = state.fixture
        if event.ts < fx.kickoff:
            raise LifecycleError(f"ts: result at {iso(event.ts)} before kick-off")
        del self.open[event.match_id]
        self.finished.add(event.match_id)
        outcome = event.outcome
        records = [self._match_record(fx, event)]
        records += self._score(state, event, outcome)
        records += self._settle(state, event, outcome)
        if state.locked_features is not None:
            for model in self.models.values():
                model.learn(state.locked_features, outcome)
            self.learned += 1
        stats = event.stats.model_dump() if event.stats else {}
        self.features.observe_result(fx.home, fx.away, fx.kickoff, event.home_goals,
                                     event.away_goals, stats)
        records += self.model_states(event.ts)
        return records

    def _score(self, state: MatchState, event: Result, outcome: int) -> list[Record]:
        records = []
        for phase, (probs, _odds) in state.predictions.items():
            for model, p in probs.items():
                score = MatchScore.of(p, outcome)
                running = self.scores[(model, phase)].update(score)
                records.append(Record("model_metrics", {
                    "match_id": event.match_id, "model": model, "phase": phase,
                    "ts": iso(event.ts), "league": event.league, "season": event.season,
                    "rps": score.rps, "log_loss": score.log_loss, "brier": score.brier,
                    "correct": int(score.correct), "n": running.n,
                    "rolling_rps": running.rolling("rps"),
                    "rolling_log_loss": running.rolling("log_loss"),
                    "rolling_accuracy": running.rolling("accuracy"),
                    "cum_rps": running.cumulative("rps"),
                    "cum_log_loss": running.cumulative("log_loss"),
                    "cum_accuracy": running.cumulative("accuracy"),
                }))
        locked = state.predictions.get("close") or state.predictions.get("pre")
        if locked is not None:
            records += self._watch_drift(event, MatchScore.of(locked[0][PRIMARY], outcome))
        return records

    def _watch_drift(self, event: Result, score: MatchScore) -> list[Record]:
        alarm = self.monitor.update(score.rps)
        if alarm is None:
            return []
        return [Record("drift_events", {
            "league": event.league, "model": PRIMARY, "ts": iso(event.ts),
            "season": event.season, "match_id": event.match_id, "detector": "adwin-rps",
            "matches_seen": alarm.matches_seen, "error_before": alarm.error_before,
            "error_after": alarm.error_after,
        })]

    def _settle(self, state: MatchState, event: Result, outcome: int) -> list[Record]:
        records = []
        for strategy, bet in state.bets.items():
            self.bankroll[strategy] += settle(bet, outcome)
            records.append(self._bet_record(state, strategy, outcome))
            records.append(Record("bankroll", {
                "league": event.league, "strategy": strategy, "ts": iso(event.ts),
                "match_id": event.match_id, "season": event.season,
                "bankroll": self.bankroll[strategy],
            }))
        return records

    # -- introspection ---------------------------------------------------------
    def state_record(self) -> Record:
        """This processor, pickled, for the API's predictions (not learned from)."""
        return Record("league_state", {
            "league": self.league,
            "updated_at": iso(self.last_ts) if self.last_ts else None,
            "matches_learned": self.learned, "events": self.events,
            "state": pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL),
        })

    def predict(self, home: str, away: str, kickoff: datetime,
                odds: tuple[float, float, float]) -> tuple[dict, dict]:
        """Every model's probabilities for a fixture, and the features used;
        nothing is learned or stored."""
        features = self.features.features(home, away, kickoff, odds)
        return {name: m.predict(features) for name, m in self.models.items()}, features

    def model_sizes(self) -> list[Record]:
        """Pickled size of each model: a measurement for the run report, not
        stored (pickles of equal models can differ by a few bytes)."""
        return [Record("_model_size", {"league": self.league, "model": name,
                                       "bytes": len(pickle.dumps(model))})
                for name, model in self.models.items()]

    def model_states(self, ts: datetime) -> list[Record]:
        records = []
        for name, model in self.models.items():
            estimator = getattr(model, "estimator", None)
            counts = (estimator.n_drifts_detected(), estimator.n_warnings_detected()) \
                if hasattr(estimator, "n_drifts_detected") else (0, 0)
            row = {"league": self.league, "model": name, "updated_at": iso(ts),
                   "matches_learned": self.learned if name != "market" else 0,
                   "drifts": counts[0], "warnings": counts[1],
                   "monitor_drifts": self.monitor.detections if name == PRIMARY else 0}
            records.append(Record("model_state", row))
        return records

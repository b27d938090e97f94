"""One league's state and the life cycle of its matches: predict, then learn.

:class:`LeagueProcessor` is plain Python: the Bytewax dataflow holds one per
league (``op.stateful``), and the benchmark's baseline loop drives the same
class directly. ``process(event)`` returns the records to store; an event that
breaks a match's life cycle comes back as a single dead-letter record.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.betting import (
    INITIAL_BANKROLL,
    Decision,
    agreed,
    closing_line_value,
    fair_closing_value,
    settle,
)
from models.drift import DriftMonitor
from models.factory import CHALLENGER, MARKET, MODEL_NAMES, PRIMARY, primary_features
from models.fair import fair_probabilities
from models.features import FeatureState
from models.pickling import dumps
from models.quotes import Book, Quote
from models.scoring import MatchScore, Prequential
from stream.config import FlowConfig
from stream.events import Event, Fixture, Odds, Result
from stream.records import Record, dead_letter, iso

PHASES = ("pre", "close")


class LifecycleError(ValueError):
    """An event that is valid alone but impossible for its match."""


class SettingsConflict(ValueError):
    """A restored state learned under settings the command changes."""

    def __init__(self, league: str, differences: list[tuple[str, str, str]]) -> None:
        self.league = league
        self.differences = differences
        changed = ", ".join(
            f"{name}: learned with {old}, now {new}" for name, old, new in differences
        )
        super().__init__(f"{changed} (league {league})")


@dataclass
class MatchState:
    fixture: Fixture
    book: Book = field(default_factory=Book)
    # phase -> (probabilities per model, the reference quote they used)
    predictions: dict[str, tuple[dict[str, tuple[float, float, float]], Quote]] = field(
        default_factory=dict
    )
    locked_features: dict[str, float] | None = None  # the challengers', latest moment
    locked_primary: dict[str, dict] = field(default_factory=dict)  # phase -> primary's input
    bets: dict[str, tuple[Decision, datetime]] = field(default_factory=dict)  # and placed at


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
        self.scores = {
            (m, p): Prequential(config.rolling_window) for m in MODEL_NAMES for p in PHASES
        }
        self.monitor = DriftMonitor(delta=config.monitor_delta)
        self.open: dict[str, MatchState] = {}
        self.finished: set[str] = set()
        self.learned = 0
        self.events = 0
        self.last_ts: datetime | None = None
        self.last_snapshot = 0  # matches learned at the last MLflow snapshot
        self.season_teams: dict[str, set[str]] = {}
        self.references: dict[str, str] = {}  # moment -> the latest reference bookmaker
        self.late_events = 0  # events older than the watermark (stream.ordering)
        self.refused_bets = 0  # decisions skipped: a probability was not finite
        self._pickled: bytes | None = None  # this state, pickled, until the next event

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_pickled"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"late_events": 0, "refused_bets": 0, **state})
        self._pickled = None
        if "fair_method" not in vars(self.config):  # learned before the setting existed
            self.config = self.config.model_copy(update={"fair_method": "multiplicative"})

    def reconfigure(self, config: FlowConfig) -> None:
        """Apply the command's settings to a restored state: betting and
        stream settings take effect; a setting the models learned under
        cannot change (:class:`SettingsConflict` names it)."""
        differences = self.config.learned_differences(config)
        if differences:
            raise SettingsConflict(self.league, differences)
        if config != self.config:
            self.config = config
            self.strategies = config.build_strategies()
            self._pickled = None

    def pickled(self) -> bytes:
        """This processor pickled (:func:`models.pickling.dumps`), once per
        state however many ask for it: recovery, ``league_state``, MLflow."""
        if self._pickled is None:
            self._pickled = dumps(self)
        return self._pickled

    def forget_pickle(self) -> None:
        """Drop the kept pickle (memory) when nobody will ask for it."""
        self._pickled = None

    # -- dispatch ---------------------------------------------------------
    def process(self, event: Event) -> list[Record]:
        self._pickled = None
        self.events += 1
        if self.last_ts is None or event.ts > self.last_ts:
            self.last_ts = event.ts
        try:
            if isinstance(event, Fixture):
                return self._on_fixture(event)
            if isinstance(event, Odds):
                return self._on_odds(event)
            return self._on_result(event)
        except LifecycleError as exc:
            return [dead_letter(event.to_json(), str(exc))]

    def process_late(self, event: Event, watermark: datetime) -> list[Record]:
        """An event older than the league's watermark: what it should have
        preceded is done. A fixture or result is still history the league
        needs (a late result is scored, settles its bets and is learned now,
        from the features frozen at its match's last prediction); a late quote
        is kept in ``odds`` but prices nothing and bets nothing. Each is
        counted and recorded in ``late_events``; one that cannot be kept is
        dead-lettered with a reason starting ``late``."""
        self.late_events += 1
        if isinstance(event, Odds):
            records = self._late_quote(event)
            self._pickled = None
        else:
            records = self.process(event)
        dropped = bool(records) and records[0].table == "dead_letters"
        if dropped:
            reason = records[0].row["reason"]
            records = [dead_letter(event.to_json(), f"late: {reason}")]
        action = "dead-lettered" if dropped else ("learned" if event.type == "result" else "stored")
        return [*records, _late_record(event, watermark, action)]

    def _late_quote(self, event: Odds) -> list[Record]:
        if event.match_id not in self.finished:
            try:
                fx = self._match(event).fixture
            except LifecycleError as exc:
                return [dead_letter(event.to_json(), str(exc))]
            if event.ts > fx.kickoff:
                return [dead_letter(event.to_json(), f"ts: odds at {iso(event.ts)} after kick-off")]
        return [self._odds_record(event)]

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
        return Record(
            "matches",
            {
                "match_id": fx.match_id,
                "league": fx.league,
                "season": fx.season,
                "kickoff": iso(fx.kickoff),
                "home": fx.home,
                "away": fx.away,
                "home_goals": result.home_goals if result else None,
                "away_goals": result.away_goals if result else None,
                "status": "played" if result else "scheduled",
            },
        )

    # -- odds: predict, maybe bet ----------------------------------------------
    def _on_odds(self, event: Odds) -> list[Record]:
        """Keep the quote; predict when the moment's reference quote changed;
        (re)decide bets. Quotes of one instant reach the same end state in any
        order: predictions and bets of that instant are overwritten, never
        appended, and a bet is final once a later instant has begun."""
        state = self._match(event)
        fx = state.fixture
        if event.ts > fx.kickoff:
            raise LifecycleError(f"ts: odds at {iso(event.ts)} after kick-off")
        state.book.update(event.phase, Quote(event.bookmaker, event.ts, event.prices))
        records = [self._odds_record(event)]
        reference = state.book.reference(event.phase)
        if (
            reference is not None
            and reference.ts == event.ts
            and state.predictions.get(event.phase, (None, None))[1] != reference
        ):
            records += self._predict(state, event, reference)
        if event.phase == "pre" and event.phase in state.predictions:
            records += self._place_bets(state, event)
        elif event.phase == "close":
            records += [self._bet_record(state, name, None) for name in state.bets]
        return records

    def _probabilities(
        self, features: dict[str, float], moment: str, reference: str
    ) -> tuple[dict[str, tuple], dict]:
        """Every model's prediction, the challengers first (the ARF feeds the
        primary), and the primary's input."""
        probs = {
            name: model.predict(features) for name, model in self.models.items() if name != PRIMARY
        }
        x = primary_features(features, moment, reference, probs[CHALLENGER])
        probs[PRIMARY] = self.models[PRIMARY].predict(x)
        return probs, x

    def _predict(self, state: MatchState, event: Odds, reference: Quote) -> list[Record]:
        fx = state.fixture
        features = self.features.features(
            fx.home, fx.away, fx.kickoff, reference.prices, self.config.fair_method
        )
        probs, x = self._probabilities(features, event.phase, reference.bookmaker)
        state.predictions[event.phase] = (probs, reference)
        state.locked_features = features
        state.locked_primary[event.phase] = x
        self.references[event.phase] = reference.bookmaker
        return [
            self._prediction_record(event, name, p, reference.prices) for name, p in probs.items()
        ]

    def _odds_record(self, event: Odds) -> Record:
        return Record(
            "odds",
            {
                "match_id": event.match_id,
                "phase": event.phase,
                "bookmaker": event.bookmaker,
                "ts": iso(event.ts),
                "league": event.league,
                "home": event.home,
                "draw": event.draw,
                "away": event.away,
            },
        )

    def _prediction_record(
        self, event: Odds, model: str, probs: tuple, odds: tuple[float, float, float]
    ) -> Record:
        return Record(
            "predictions",
            {
                "match_id": event.match_id,
                "model": model,
                "phase": event.phase,
                "ts": iso(event.ts),
                "league": event.league,
                "season": event.season,
                "p_home": probs[0],
                "p_draw": probs[1],
                "p_away": probs[2],
                "odds_home": odds[0],
                "odds_draw": odds[1],
                "odds_away": odds[2],
                "model_version": self.learned,
            },
        )

    def _offer(self, state: MatchState, price: str) -> tuple[tuple, tuple, tuple]:
        """The probabilities to judge by, the prices and the books listing
        them: the primary at the reference's prices, or both witnesses at the
        best prices (see :mod:`models.betting`)."""
        probs, reference = state.predictions["pre"]
        if price == "best":
            best = state.book.best("pre")
            return (
                agreed(probs[PRIMARY], probs[MARKET]),
                tuple(p for p, _ in best),
                tuple(b for _, b in best),
            )
        return probs[PRIMARY], reference.prices, (reference.bookmaker,) * 3

    def _place_bets(self, state: MatchState, event: Odds) -> list[Record]:
        if event.season != self.bank_season:  # each season starts a fresh bank
            self.bank_season = event.season
            self.bankroll = {s.name: INITIAL_BANKROLL for s in self.strategies}
        records, offers = [], {}
        for strategy in self.strategies:
            placed = state.bets.get(strategy.name)
            if placed is not None and placed[1] < event.ts:
                continue  # one bet per match and strategy, final once its instant is over
            if strategy.price not in offers:
                offers[strategy.price] = self._offer(state, strategy.price)
            probs, odds, books = offers[strategy.price]
            if not all(math.isfinite(p) for p in probs):
                self.refused_bets += 1  # never a NaN stake, bankroll or table cell
                continue
            free = self.bankroll[strategy.name] - self._open_stakes(strategy.name, state)
            decision = strategy.decide(probs, odds, free, books)
            if decision == (placed[0] if placed else None):
                continue
            if decision is None:  # withdrawn by a quote of the same instant
                del state.bets[strategy.name]
                records.append(
                    Record(
                        "bets",
                        {"match_id": state.fixture.match_id, "strategy": strategy.name},
                        delete=True,
                    )
                )
            else:
                state.bets[strategy.name] = (decision, event.ts)
                records.append(self._bet_record(state, strategy.name, None))
        return records

    def _open_stakes(self, strategy: str, deciding: MatchState) -> float:
        """Stakes of this strategy's unsettled bets on other matches: money a
        bankroll-sized stake cannot count on."""
        return math.fsum(
            state.bets[strategy][0].stake
            for state in self.open.values()
            if state is not deciding and strategy in state.bets
        )

    def _bet_record(self, state: MatchState, strategy: str, outcome: int | None) -> Record:
        """The bet as known now. Its closing line is the same book's closing
        price; its fair CLV uses the reference's margin-free closing probability."""
        bet, fx = state.bets[strategy][0], state.fixture
        same_book = state.book.quote("close", bet.bookmaker)
        closing = same_book.prices[bet.outcome] if same_book else None
        reference = state.book.reference("close")
        fair = (
            fair_probabilities(reference.prices, self.config.fair_method)[bet.outcome]
            if reference
            else None
        )
        profit = settle(bet, outcome) if outcome is not None else None
        return Record(
            "bets",
            {
                "match_id": fx.match_id,
                "strategy": strategy,
                "league": fx.league,
                "season": fx.season,
                "kickoff": iso(fx.kickoff),
                "outcome": "HDA"[bet.outcome],
                "odds": bet.odds,
                "probability": bet.probability,
                "stake": bet.stake,
                "closing_odds": closing,
                "clv": closing_line_value(bet.odds, closing) if closing else None,
                "status": "open" if profit is None else ("won" if profit > 0 else "lost"),
                "profit": profit,
                "bookmaker": bet.bookmaker,
                "fair_clv": fair_closing_value(bet.odds, fair) if fair else None,
            },
        )

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
            for name, model in self.models.items():
                if name != PRIMARY:
                    model.learn(state.locked_features, outcome)
            for x in state.locked_primary.values():  # pre and close: both known before kick-off
                self.models[PRIMARY].learn(x, outcome)
            self.learned += 1
        stats = event.stats.model_dump() if event.stats else {}
        self.features.observe_result(
            fx.home, fx.away, fx.kickoff, event.home_goals, event.away_goals, stats
        )
        records += self.model_states(event.ts)
        return records

    def _score(self, state: MatchState, event: Result, outcome: int) -> list[Record]:
        records = []
        for phase, (probs, _odds) in state.predictions.items():
            for model, p in probs.items():
                score = MatchScore.of(p, outcome)
                running = self.scores[(model, phase)].update(score)
                records.append(
                    Record(
                        "model_metrics",
                        {
                            "match_id": event.match_id,
                            "model": model,
                            "phase": phase,
                            "ts": iso(event.ts),
                            "league": event.league,
                            "season": event.season,
                            "rps": score.rps,
                            "log_loss": score.log_loss,
                            "brier": score.brier,
                            "correct": int(score.correct),
                            "n": running.n,
                            "rolling_rps": running.rolling("rps"),
                            "rolling_log_loss": running.rolling("log_loss"),
                            "rolling_accuracy": running.rolling("accuracy"),
                            "cum_rps": running.cumulative("rps"),
                            "cum_log_loss": running.cumulative("log_loss"),
                            "cum_accuracy": running.cumulative("accuracy"),
                        },
                    )
                )
        locked = state.predictions.get("close") or state.predictions.get("pre")
        if locked is not None:
            records += self._watch_drift(event, MatchScore.of(locked[0][PRIMARY], outcome))
        return records

    def _watch_drift(self, event: Result, score: MatchScore) -> list[Record]:
        alarm = self.monitor.update(score.rps)
        if alarm is None:
            return []
        return [
            Record(
                "drift_events",
                {
                    "league": event.league,
                    "model": PRIMARY,
                    "ts": iso(event.ts),
                    "season": event.season,
                    "match_id": event.match_id,
                    "detector": "adwin-rps",
                    "matches_seen": alarm.matches_seen,
                    "error_before": alarm.error_before,
                    "error_after": alarm.error_after,
                },
            )
        ]

    def _settle(self, state: MatchState, event: Result, outcome: int) -> list[Record]:
        records = []
        for strategy, (bet, _placed) in state.bets.items():
            self.bankroll[strategy] += settle(bet, outcome)
            records.append(self._bet_record(state, strategy, outcome))
            records.append(
                Record(
                    "bankroll",
                    {
                        "league": event.league,
                        "strategy": strategy,
                        "ts": iso(event.ts),
                        "match_id": event.match_id,
                        "season": event.season,
                        "bankroll": self.bankroll[strategy],
                    },
                )
            )
        return records

    # -- introspection ---------------------------------------------------------
    def state_record(self) -> Record:
        """This processor, pickled, for the API's predictions (not learned from)."""
        return Record(
            "league_state",
            {
                "league": self.league,
                "updated_at": iso(self.last_ts) if self.last_ts else None,
                "matches_learned": self.learned,
                "events": self.events,
                "state": self.pickled(),
            },
        )

    def predict(
        self,
        home: str,
        away: str,
        kickoff: datetime,
        odds: tuple[float, float, float],
        moment: str = "pre",
        bookmaker: str | None = None,
    ) -> tuple[dict, dict]:
        """Every model's probabilities for a fixture, and the features used;
        nothing is learned or stored. The odds are taken as ``bookmaker``'s
        (default: the reference this league's stream used last)."""
        features = self.features.features(home, away, kickoff, odds, self.config.fair_method)
        reference = bookmaker or self.references.get(moment, "pinnacle")
        return self._probabilities(features, moment, reference)[0], features

    def model_sizes(self) -> list[Record]:
        """Pickled size of each model: a measurement for the run report, not
        stored (pickles of equal models can differ by a few bytes)."""
        return [
            Record(
                "_model_size",
                {"league": self.league, "model": name, "bytes": len(dumps(model))},
            )
            for name, model in self.models.items()
        ]

    def model_states(self, ts: datetime) -> list[Record]:
        records = []
        for name, model in self.models.items():
            estimator: Any = getattr(model, "estimator", None)  # the ARF's counts
            counts = (
                (estimator.n_drifts_detected(), estimator.n_warnings_detected())
                if hasattr(estimator, "n_drifts_detected")
                else (0, 0)
            )
            row = {
                "league": self.league,
                "model": name,
                "updated_at": iso(ts),
                "matches_learned": self.learned if name != "market" else 0,
                "drifts": counts[0],
                "warnings": counts[1],
                "monitor_drifts": self.monitor.detections if name == PRIMARY else 0,
            }
            records.append(Record("model_state", row))
        return records


def _late_record(event: Event, watermark: datetime, action: str) -> Record:
    payload = event.to_json()
    return Record(
        "late_events",
        {
            "id": hashlib.sha256(payload.encode()).hexdigest()[:32],
            "league": event.league,
            "match_id": event.match_id,
            "type": event.type,
            "ts": iso(event.ts),
            "watermark": iso(watermark),
            "action": action,
        },
    )

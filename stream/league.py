"""One league's state and the life cycle of its matches: predict, then learn.

:class:`LeagueProcessor` is plain Python: the Bytewax dataflow holds one per
league (``op.stateful``), and the benchmark's baseline loop drives the same
class directly. ``process(event)`` returns the records to store; an event that
breaks a match's life cycle comes back as a single dead-letter record.

It composes parts with one job each: the quote book of each match
(:mod:`models.quotes`), the :class:`~stream.predictor.Predictor`, the
:class:`~stream.bettor.Bettor`, the :class:`~stream.scorer.Scorer` and the row
builders (:mod:`stream.rows`).

>>> from datetime import datetime, timezone
>>> from stream.config import FlowConfig
>>> ko = datetime(2024, 8, 16, 19, tzinfo=timezone.utc)
>>> league = LeagueProcessor("E0", FlowConfig())
>>> fx = Fixture(match_id="m1", league="E0", season="2024-25", ts=ko, kickoff=ko,
...              home="Man United", away="Fulham")
>>> [r.table for r in league.process(fx)]
['matches']
>>> odds = Odds(match_id="m1", league="E0", season="2024-25", ts=ko, phase="pre",
...             bookmaker="pinnacle", home=1.6, draw=4.2, away=5.5)
>>> sorted({r.table for r in league.process(odds)})  # no value at the market's price: no bet
['odds', 'predictions']
>>> league.process(odds.model_copy(update={"match_id": "m2"}))[0].row["reason"]
'match_id: unknown match m2'
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models.pickling import dumps
from models.quotes import Quote
from stream.bettor import Bettor
from stream.config import FlowConfig
from stream.events import Event, Fixture, Odds, Result
from stream.goals import GoalsMarkets
from stream.market_rows import market_odds_row
from stream.matches import LifecycleError, Matches, MatchState
from stream.predictor import Predictor
from stream.records import Record, dead_letter, iso
from stream.restore import SettingsConflict, upgrade
from stream.rows import late_row, match_row, odds_row, prediction_row
from stream.scorer import PHASES, Scorer

__all__ = ["PHASES", "LeagueProcessor", "LifecycleError", "MatchState", "SettingsConflict"]


class LeagueProcessor:
    """Everything one league knows: ratings, models, scores, bankrolls."""

    def __init__(self, league: str, config: FlowConfig) -> None:
        self.league = league
        self.config = config
        self.predictor = Predictor(config)
        self.bettor = Bettor(config.build_strategies(), config.fair_method)
        self.scorer = Scorer(config.rolling_window, config.monitor_delta)
        self.goals = GoalsMarkets(config)
        self.matches = Matches()
        self.events = 0
        self.last_ts: datetime | None = None
        self.last_snapshot = 0  # matches learned at the last MLflow snapshot
        self.late_events = 0  # events older than the watermark (stream.ordering)
        self._pickled: bytes | None = None  # this state, pickled, until the next event

    @property
    def learned(self) -> int:
        """Matches the models have learned from."""
        return self.predictor.learned

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_pickled"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"late_events": 0, **upgrade(state)})
        self._pickled = None

    def reconfigure(self, config: FlowConfig) -> None:
        """Apply the command's settings to a restored state: betting and
        stream settings take effect; a setting the models learned under
        cannot change (:class:`SettingsConflict` names it)."""
        differences = self.config.learned_differences(config)
        if differences:
            raise SettingsConflict(self.league, differences)
        if config != self.config:
            self.config = config
            self.bettor.strategies = config.build_strategies()
            self.goals.bettor.use(config.build_strategies())
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
        return [*records, late_row(event, watermark, action)]

    def _late_quote(self, event: Odds) -> list[Record]:
        if event.match_id not in self.matches.finished:
            try:
                self.matches.quoted(event)
            except LifecycleError as exc:
                return [dead_letter(event.to_json(), str(exc))]
        return [odds_row(event) if event.market == "1x2" else market_odds_row(event)]

    def _on_fixture(self, event: Fixture) -> list[Record]:
        self.matches.open_match(event)
        return [match_row(event, None)]

    # -- odds: predict, maybe bet ----------------------------------------------
    def _on_odds(self, event: Odds) -> list[Record]:
        """Keep the quote; predict when the moment's reference quote changed;
        (re)decide bets. Quotes of one instant reach the same end state in any
        order: predictions and bets of that instant are overwritten, never
        appended, and a bet is final once a later instant has begun."""
        state = self.matches.quoted(event)
        if event.market != "1x2":
            return self.goals.on_quote(state, event, self.matches.others(state))
        state.book.update(event.phase, Quote(event.bookmaker, event.ts, event.prices))
        records = [odds_row(event)]
        reference = state.book.reference(event.phase)
        if (
            reference is not None
            and reference.ts == event.ts
            and state.predictions.get(event.phase, (None, None))[1] != reference
        ):
            records += self._predict(state, event, reference)
        if event.phase == "pre" and "pre" in state.predictions:
            others = self.matches.others(state)
            records += self.bettor.decide(state, state.predictions["pre"], event.ts, others)
        elif event.phase == "close":
            records += self.bettor.revalue(state)
        return records

    def _predict(self, state: MatchState, event: Odds, reference: Quote) -> list[Record]:
        fx = state.fixture
        features = self.predictor.features_of(fx.home, fx.away, fx.kickoff, reference.prices)
        probs, x = self.predictor.probabilities(features, event.phase, reference.bookmaker)
        state.predictions[event.phase] = (probs, reference)
        state.locked_features = features
        state.locked_primary[event.phase] = x
        self.predictor.references[event.phase] = reference.bookmaker
        return [
            prediction_row(event, name, p, reference.prices, self.learned)
            for name, p in probs.items()
        ]

    # -- result: score, watch drift, settle, learn ---------------------------------
    def _on_result(self, event: Result) -> list[Record]:
        state = self.matches.close(event)
        fx = state.fixture
        records = [match_row(fx, event)]
        records += self.scorer.score(state.predictions, event)
        records += self.bettor.settle(state, event)
        records += self.goals.on_result(state, event)
        if state.locked_features is not None:  # pre and close: both known before kick-off
            self.predictor.learn(
                state.locked_features, state.locked_primary.values(), event.outcome
            )
        self.predictor.observe(fx, event)
        drifts = self.scorer.monitor.detections
        records += self.predictor.model_states(self.league, event.ts, drifts)
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
        features = self.predictor.features_of(home, away, kickoff, odds)
        reference = bookmaker or self.predictor.references.get(moment, "pinnacle")
        return self.predictor.probabilities(features, moment, reference)[0], features

"""Restoring a pickled league: the settings it cannot change, and the
layouts of older pickles, brought to today's without relearning anything.

A state pickled before ``MATCHFLOW_FAIR_METHOD`` existed learned from
proportional fair probabilities; one pickled before the league step was
split into parts keeps every part in an attribute of its own.

>>> str(SettingsConflict("E0", [("MATCHFLOW_SEED", "42", "7")]))
'MATCHFLOW_SEED: learned with 42, now 7 (league E0)'
"""

from __future__ import annotations

from typing import Any

from stream.bettor import Bettor
from stream.goals import GoalsMarkets
from stream.matches import Matches
from stream.predictor import Predictor
from stream.scorer import Scorer


class SettingsConflict(ValueError):
    """A restored state learned under settings the command changes."""

    def __init__(self, league: str, differences: list[tuple[str, str, str]]) -> None:
        self.league = league
        self.differences = differences
        changed = ", ".join(
            f"{name}: learned with {old}, now {new}" for name, old, new in differences
        )
        super().__init__(f"{changed} (league {league})")


def upgrade(state: dict[str, Any]) -> dict[str, Any]:
    """A pickled processor's attributes in today's layout."""
    config = state["config"]
    if "fair_method" not in vars(config):  # learned before the setting existed
        state["config"] = config.model_copy(update={"fair_method": "multiplicative"})
    if "predictor" not in state:
        state = _split_state(state)
    if "matches" not in state:
        matches = Matches()
        for name in ("open", "finished", "season_teams"):
            setattr(matches, name, state.pop(name))
        state["matches"] = matches
    if "goals" not in state:  # before the goals markets: they start cold
        state["goals"] = GoalsMarkets(state["config"])
        for match in state["matches"].open.values():
            match.__dict__.setdefault("markets", {})
    return state


def _split_state(state: dict[str, Any]) -> dict[str, Any]:
    """A processor pickled with every part in its own attributes, as the
    parts it is made of now (the same objects: nothing is relearned)."""
    fair = state["config"].fair_method
    predictor = Predictor.__new__(Predictor)
    predictor.__dict__.update(
        fair_method=fair,
        features=state.pop("features"),
        models=state.pop("models"),
        learned=state.pop("learned"),
        references=state.pop("references", {}),
    )
    bettor = Bettor.__new__(Bettor)
    bettor.__dict__.update(
        strategies=state.pop("strategies"),
        fair_method=fair,
        bankroll=state.pop("bankroll"),
        bank_season=state.pop("bank_season"),
        refused_bets=state.pop("refused_bets", 0),
    )
    scorer = Scorer.__new__(Scorer)
    scorer.__dict__.update(scores=state.pop("scores"), monitor=state.pop("monitor"))
    return {**state, "predictor": predictor, "bettor": bettor, "scorer": scorer}

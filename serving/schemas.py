"""Request and response bodies of the API, with the examples ``/docs`` shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from stream.events import LEAGUE_PATTERN
from stream.teams import team_names

PROBS: dict[str, Any] = {"home": 0.52, "draw": 0.26, "away": 0.22}


class Probabilities(BaseModel):
    home: float
    draw: float
    away: float


class OddsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    home: float = Field(gt=1.0, le=1000.0, allow_inf_nan=False)
    draw: float = Field(gt=1.0, le=1000.0, allow_inf_nan=False)
    away: float = Field(gt=1.0, le=1000.0, allow_inf_nan=False)


TEAM = (
    "A club of the league, by any name the team registry knows (stream/teams.py); "
    "an unknown club is a 422 naming the closest known names"
)


class FixtureIn(BaseModel):
    """A fixture to predict, with the odds on offer now."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "league": "E0",
                    "home": "Arsenal",
                    "away": "Chelsea",
                    "kickoff": "2023-08-12T14:00:00Z",
                    "odds": {"home": 2.1, "draw": 3.5, "away": 3.4},
                }
            ]
        },
    )

    league: str = Field(min_length=1, max_length=16, pattern=LEAGUE_PATTERN)
    home: str = Field(min_length=1, max_length=100, description=TEAM)
    away: str = Field(min_length=1, max_length=100, description=TEAM)
    kickoff: datetime = Field(description="ISO 8601; without a time zone, UTC")
    odds: OddsIn

    @field_validator("kickoff", mode="before")
    @classmethod
    def _a_string(cls, kickoff: Any) -> Any:
        """The schema says string: a number is not read as seconds since 1970."""
        if not isinstance(kickoff, (str, datetime)):
            raise ValueError("kickoff: an ISO 8601 date-time string")
        return kickoff

    @field_validator("kickoff")
    @classmethod
    def _utc(cls, kickoff: datetime) -> datetime:
        """A kick-off without a time zone is UTC, as in events."""
        if kickoff.tzinfo is None:
            return kickoff.replace(tzinfo=UTC)
        return kickoff.astimezone(UTC)

    @field_validator("home", "away")
    @classmethod
    def _canonical_team(cls, name: str, info: ValidationInfo) -> str:
        """Aliases become the canonical name; an unknown club is a 422 naming
        the closest known names (``stream/teams.py``)."""
        league = info.data.get("league")
        return team_names().resolve(name, league) if league else name


class PredictionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "league": "E0",
                    "home": "Arsenal",
                    "away": "Chelsea",
                    "kickoff": "2023-08-12T14:00:00+00:00",
                    "model_version": 7600,
                    "state_updated_at": "2023-05-28T17:30:00+00:00",
                    "models": {"anchored": PROBS, "arf": PROBS, "market": PROBS},
                    "edge": {"anchored": {"home": 0.092, "draw": -0.09, "away": -0.252}},
                    "features": {"mkt_home": 0.46, "elo_diff": 0.8},
                }
            ]
        }
    )

    league: str
    home: str
    away: str
    kickoff: datetime
    model_version: int = Field(description="Matches the league's models have learned.")
    state_updated_at: Any = Field(description="Event time of the state's last event.")
    models: dict[str, Probabilities]
    edge: dict[str, Probabilities] = Field(description="probability x odds - 1, per model.")
    features: dict[str, float]


class PredictionView(BaseModel):
    moment: str = Field(description="pre or close: the odds event the prediction used.")
    ts: str
    odds: Probabilities
    models: dict[str, Probabilities]
    market: Probabilities | None
    edge: dict[str, Probabilities]
    model_version: int


class MarketPredictionView(BaseModel):
    """A goals market's prediction (``market=ou25``: over/under 2.5 goals;
    ``market=ah``: the Asian handicap at the home side's ``line``): each
    selection's probability, the reference's prices and fair probabilities."""

    market: str = Field(description="ou25 or ah")
    moment: str
    ts: str
    line: float | None = Field(description="The handicap's home line; null for ou25.")
    odds: dict[str, float]
    models: dict[str, dict[str, float]]
    fair: dict[str, float] | None
    edge: dict[str, dict[str, float]]
    model_version: int


class MatchOut(BaseModel):
    match_id: str
    league: str
    season: str
    kickoff: str
    home: str
    away: str
    status: str
    home_goals: int | None
    away_goals: int | None
    prediction: PredictionView | MarketPredictionView | None


class PredictionsPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "match_id": "E0-20230812-arsenal-nottm-forest",
                            "league": "E0",
                            "season": "2023-24",
                            "kickoff": "2023-08-12T12:30:00+00:00",
                            "home": "Arsenal",
                            "away": "Nott'm Forest",
                            "status": "scheduled",
                            "home_goals": None,
                            "away_goals": None,
                            "prediction": {
                                "moment": "pre",
                                "ts": "2023-08-11T12:30:00+00:00",
                                "odds": {"home": 1.3, "draw": 6.0, "away": 11.0},
                                "models": {"anchored": PROBS},
                                "market": PROBS,
                                "edge": {"anchored": {"home": -0.32, "draw": 0.56, "away": 1.42}},
                                "model_version": 7220,
                            },
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[MatchOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")
    note: str | None = Field(
        None,
        description="Why a first page of upcoming matches "
        "is empty (after a replay of history, every match is played).",
    )


class EventsAccepted(BaseModel):
    accepted: int
    topic: str


class Undelivered(BaseModel):
    """A 503 of ``POST /events``: how many events Kafka confirmed, and what
    became of the rest."""

    detail: str
    delivered: int
    pending: int
    failed: int
    unsent: int

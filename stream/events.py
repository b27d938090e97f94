"""The event schema: fixtures, odds and results, one JSON object per message.

Every event carries ``v`` (schema version), ``type``, ``match_id``, ``league``,
``season`` and ``ts`` (event time, UTC). Parsing is strict: an event that breaks
the schema raises :class:`EventError` whose message names the offending field,
so the dataflow can dead-letter it with a reason.

>>> from datetime import datetime, timezone
>>> ko = datetime(2017, 8, 11, 19, 45, tzinfo=timezone.utc)
>>> fx = Fixture(match_id=make_match_id("E0", ko, "Arsenal", "Leicester"), league="E0",
...              season="2017-18", ts=ko, kickoff=ko, home="Arsenal", away="Leicester")
>>> fx.match_id
'E0-20170811-arsenal-leicester'
>>> parse_event(fx.to_json()) == fx
True
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

SCHEMA_VERSION: Final = 1
MAX_EVENT_BYTES = 64 * 1024
OUTCOMES = ("H", "D", "A")
_SEASON = re.compile(r"^\d{4}-\d{2}$")
LEAGUE_PATTERN = r"^[A-Za-z0-9_]{1,16}$"  # the one definition of a league code
_LEAGUE = re.compile(LEAGUE_PATTERN)


def is_league_code(text: str) -> bool:
    """Letters, digits or ``_``, 1 to 16 of them.

    >>> is_league_code("E0"), is_league_code("E0;DROP")
    (True, False)
    """
    return _LEAGUE.match(text) is not None


# Ids reach URLs, logs and file names: no separators, spaces or control characters.
MATCH_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
YEARS = (1900, 2100)  # event times outside these are typos, not football
MAX_ODDS = 1000.0


class EventError(ValueError):
    """An event that cannot enter the stream; ``str(err)`` is the reason."""


def slug(name: str) -> str:
    """Lower-case, ASCII-ish, dash-separated form of a team name.

    >>> slug("Nott'm Forest")
    'nottm-forest'
    """
    cleaned = re.sub(r"['`.]", "", name.strip().lower())
    return re.sub(r"[^a-z0-9]+", "-", cleaned).strip("-")


def make_match_id(league: str, kickoff: datetime, home: str, away: str) -> str:
    """Stable id from league, kick-off date and teams, so replays reuse ids."""
    return f"{league}-{kickoff:%Y%m%d}-{slug(home)}-{slug(away)}"


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    v: Literal[1] = SCHEMA_VERSION
    match_id: str = Field(min_length=1, max_length=200, pattern=MATCH_ID_PATTERN)
    league: str
    season: str
    ts: datetime

    @field_validator("league")
    @classmethod
    def _league_code(cls, value: str) -> str:
        if not is_league_code(value):
            raise ValueError("league must be 1-16 letters, digits or _")
        return value

    @field_validator("season")
    @classmethod
    def _season_format(cls, value: str) -> str:
        if not _SEASON.match(value):
            raise ValueError("season must look like 2017-18")
        return value

    @field_validator("ts", "kickoff", check_fields=False)
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise ValueError(f"must be between {YEARS[0]} and {YEARS[1]}")
        return _utc(value)

    def to_json(self) -> str:
        return self.model_dump_json()


class Fixture(_Event):
    type: Literal["fixture"] = "fixture"
    kickoff: datetime
    home: str = Field(min_length=1, max_length=100)
    away: str = Field(min_length=1, max_length=100)

    @field_validator("away")
    @classmethod
    def _two_teams(cls, away: str, info: ValidationInfo) -> str:
        home = info.data.get("home")
        if home is not None and home.strip().casefold() == away.strip().casefold():
            raise ValueError("a team cannot play itself")
        return away


Market = Literal["1x2", "ou25", "ah"]
# the prices each market quotes, in the order ``Odds.prices`` gives them
MARKET_PRICES: Final[dict[str, tuple[str, ...]]] = {
    "1x2": ("home", "draw", "away"),
    "ou25": ("over", "under"),
    "ah": ("home", "away"),
}
_PRICE_FIELDS = ("home", "draw", "away", "over", "under")
MAX_LINE = 10.0


def _price() -> Any:
    return Field(None, gt=1.0, le=MAX_ODDS, allow_inf_nan=False)


class Odds(_Event):
    """One bookmaker's prices of one market at one moment: ``1x2`` (the
    default, so a v1 event without ``market`` is one) quotes ``home``,
    ``draw``, ``away``; ``ou25`` quotes ``over`` and ``under`` 2.5 goals;
    ``ah`` quotes ``home`` and ``away`` at the home side's handicap ``line``.

    >>> from datetime import datetime
    >>> t = datetime(2024, 8, 16, 12)
    >>> ah = Odds(match_id="m1", league="E0", season="2024-25", ts=t, phase="pre",
    ...           bookmaker="pinnacle", market="ah", line=-0.75, home=2.02, away=1.86)
    >>> ah.prices
    (2.02, 1.86)
    >>> parse_event(ah.to_json()) == ah
    True
    >>> parse_event({**ah.model_dump(), "line": -0.6})
    Traceback (most recent call last):
    ...
    stream.events.EventError: line: -0.6 is not a multiple of a quarter goal
    """

    type: Literal["odds"] = "odds"
    phase: Literal["pre", "close"]
    bookmaker: str = Field(min_length=1, max_length=50)
    market: Market = "1x2"
    line: float | None = Field(None, ge=-MAX_LINE, le=MAX_LINE, allow_inf_nan=False)
    home: float | None = _price()
    draw: float | None = _price()
    away: float | None = _price()
    over: float | None = _price()
    under: float | None = _price()

    @model_validator(mode="after")
    def _prices_of_the_market(self) -> Odds:
        wanted = MARKET_PRICES[self.market]
        for name in _PRICE_FIELDS:
            given = getattr(self, name) is not None
            if name in wanted and not given:
                raise ValueError(f"{name}: required by market {self.market}")
            if given and name not in wanted:
                raise ValueError(f"{name}: not a price of market {self.market}")
        if (self.market == "ah") != (self.line is not None):
            raise ValueError(
                "line: required by market ah" if self.market == "ah" else "line: only ah has one"
            )
        if self.line is not None and abs(self.line * 4 - round(self.line * 4)) > 1e-9:
            raise ValueError(f"line: {self.line} is not a multiple of a quarter goal")
        return self

    @property
    def prices(self) -> tuple[float, ...]:
        """The market's prices, in ``MARKET_PRICES`` order."""
        return tuple(getattr(self, name) for name in MARKET_PRICES[self.market])

    def to_json(self) -> str:
        """Only the market's fields: a 1X2 quote is the same JSON as in v1."""
        return self.model_dump_json(
            exclude_none=True, exclude={"market"} if self.market == "1x2" else None
        )


class SideStats(BaseModel):
    """Match statistics of one side; every field optional (old seasons lack some)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shots: int | None = Field(default=None, ge=0)
    shots_on_target: int | None = Field(default=None, ge=0)
    corners: int | None = Field(default=None, ge=0)
    fouls: int | None = Field(default=None, ge=0)
    yellow_cards: int | None = Field(default=None, ge=0)
    red_cards: int | None = Field(default=None, ge=0)


class MatchStats(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    home: SideStats = SideStats()
    away: SideStats = SideStats()


class Result(_Event):
    type: Literal["result"] = "result"
    home_goals: int = Field(ge=0, le=99)
    away_goals: int = Field(ge=0, le=99)
    stats: MatchStats | None = None

    @property
    def outcome(self) -> int:
        """Index into ``OUTCOMES``: 0 home win, 1 draw, 2 away win."""
        if self.home_goals > self.away_goals:
            return 0
        return 1 if self.home_goals == self.away_goals else 2


Event = Annotated[Fixture | Odds | Result, Field(discriminator="type")]

# At one instant fixtures come first, then results, then odds: a result settles
# before new odds of the same instant are priced.
_KIND_ORDER = {"fixture": 0, "result": 1, "odds": 2}


def event_order(event: Fixture | Odds | Result) -> tuple[datetime, int, str]:
    """The order a league processes its events in: event time, then kind,
    then match id (quotes of one instant are order-free among themselves)."""
    return (event.ts, _KIND_ORDER[event.type], event.match_id)


_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def _describe(err: ValidationError) -> str:
    """``field: message`` for the first problem, without the union's tag."""
    first = err.errors()[0]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return f"type: must be one of fixture, odds, result ({first['msg']})"
    loc = list(first["loc"])
    if loc and loc[0] in ("fixture", "odds", "result"):
        loc = loc[1:]
    if not loc and first["type"] == "value_error":  # a check of the whole event: "field: why"
        return str(first["ctx"]["error"])
    where = ".".join(str(p) for p in loc) or "event"
    return f"{where}: {first['msg']}"


def parse_event(raw: str | bytes | dict[str, Any]) -> Event:
    """Validate one event from JSON text, bytes or a dict; raise EventError."""
    if isinstance(raw, (bytes, str)):
        if len(raw) > MAX_EVENT_BYTES:
            raise EventError(f"payload: {len(raw)} bytes exceeds {MAX_EVENT_BYTES}")
        try:
            raw = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventError(f"payload: not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise EventError("payload: event must be a JSON object")
    if raw.get("v", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise EventError(f"v: unsupported schema version {raw.get('v')!r}")
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        raise EventError(_describe(exc)) from None

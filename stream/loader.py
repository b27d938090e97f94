"""Load football-data.co.uk season CSVs laid out as ``<DIR>/<league>/<season>.csv``.

The loader absorbs the format's quirks: a UTF-8 BOM (or Latin-1 files), trailing
empty rows and ``Unnamed`` columns, dd/mm/yy and dd/mm/yyyy dates, a ``Time``
column only from 2019-20, odds columns renamed over the years (``BbAv*`` became
``Avg*``) and missing prices. A row that cannot be read is skipped and counted.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from pathlib import Path

import pandas as pd

from stream.config import BUNDLED_DATA  # noqa: F401 - re-exported: where the bundled CSVs live
from stream.events import MatchStats, SideStats

DEFAULT_KICKOFF = time(15, 0)
_SEASON_FILE = re.compile(r"^(\d{4})-(\d{2})\.csv$")

# The quotes of each moment. Each group yields at most one quote, from its first
# source with a full set of prices: (bookmaker name, column prefix). The first
# group is the sharp reference; ``BbAv``/``BbMx`` became ``Avg``/``Max`` in 2019-20.
PRE_SOURCES = (
    (("pinnacle", "PS"), ("bet365", "B365")),
    (("market-avg", "Avg"), ("market-avg", "BbAv")),
    (("market-max", "Max"), ("market-max", "BbMx")),
)
CLOSE_SOURCES = (
    (("pinnacle", "PSC"), ("bet365", "B365C")),
    (("market-avg", "AvgC"),),
    (("market-max", "MaxC"),),
)

_STAT_COLUMNS = {
    "shots": ("HS", "AS"),
    "shots_on_target": ("HST", "AST"),
    "corners": ("HC", "AC"),
    "fouls": ("HF", "AF"),
    "yellow_cards": ("HY", "AY"),
    "red_cards": ("HR", "AR"),
}


@dataclass(frozen=True)
class Prices:
    bookmaker: str
    home: float
    draw: float
    away: float


@dataclass(frozen=True)
class MatchRow:
    """One match as published: teams, kick-off, odds, and once it is played its
    result and stats (``None`` goals: an upcoming fixture)."""

    league: str
    season: str
    kickoff: datetime
    home: str
    away: str
    home_goals: int | None
    away_goals: int | None
    pre: tuple[Prices, ...]  # every quote of the moment, reference first; may be empty
    close: tuple[Prices, ...]
    stats: MatchStats


@dataclass
class LoadReport:
    rows: list[MatchRow] = field(default_factory=list)
    skipped: int = 0
    files: int = 0


def available(data_dir: Path) -> dict[str, list[str]]:
    """Leagues and their seasons found under ``data_dir``, both sorted."""
    found: dict[str, list[str]] = {}
    for league_dir in sorted(p for p in data_dir.iterdir() if p.is_dir()):
        seasons = sorted(f.stem for f in league_dir.iterdir() if _SEASON_FILE.match(f.name))
        if seasons:
            found[league_dir.name] = seasons
    return found


def _read_text(path: Path) -> str:
    return decode_csv(path.read_bytes())


def decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # a few football-data files are Windows-1252
        return data.decode("cp1252", errors="replace")


def _number(row: pd.Series, column: str) -> float | None:
    value = row.get(column)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _prices(row: pd.Series, group: tuple[tuple[str, str], ...]) -> Prices | None:
    for bookmaker, prefix in group:
        trio = [_number(row, prefix + side) for side in "HDA"]
        if all(p is not None and p > 1.0 for p in trio):
            return Prices(bookmaker, *trio)  # type: ignore[arg-type]
    return None


def _quotes(row: pd.Series, groups: tuple[tuple[tuple[str, str], ...], ...]) -> tuple[Prices, ...]:
    found = (_prices(row, group) for group in groups)
    return tuple(quote for quote in found if quote is not None)


def _count(row: pd.Series, column: str) -> int | None:
    number = _number(row, column)
    return None if number is None or number < 0 else int(number)


def _stats(row: pd.Series) -> MatchStats:
    sides = {"home": {}, "away": {}}
    for name, (home_col, away_col) in _STAT_COLUMNS.items():
        sides["home"][name] = _count(row, home_col)
        sides["away"][name] = _count(row, away_col)
    return MatchStats(home=SideStats(**sides["home"]), away=SideStats(**sides["away"]))


def _kickoff(row: pd.Series) -> datetime:
    day = pd.to_datetime(str(row["Date"]).strip(), dayfirst=True, format="mixed")
    clock = DEFAULT_KICKOFF
    raw_time = row.get("Time")
    if isinstance(raw_time, str) and re.match(r"^\d{1,2}:\d{2}$", raw_time.strip()):
        hours, minutes = raw_time.strip().split(":")
        clock = time(int(hours), int(minutes))
    return datetime.combine(day.date(), clock, tzinfo=timezone.utc)


def _match(row: pd.Series, league: str, season: str, played: bool = True) -> MatchRow:
    home_goals, away_goals = _count(row, "FTHG"), _count(row, "FTAG")
    if (home_goals is None or away_goals is None) and played:
        raise ValueError("missing full-time score")
    if home_goals is None or away_goals is None:
        home_goals = away_goals = None
    return MatchRow(
        league=league,
        season=season,
        kickoff=_kickoff(row),
        home=str(row["HomeTeam"]).strip(),
        away=str(row["AwayTeam"]).strip(),
        home_goals=home_goals,
        away_goals=away_goals,
        pre=_quotes(row, PRE_SOURCES),
        close=_quotes(row, CLOSE_SOURCES),
        stats=_stats(row),
    )


REQUIRED_COLUMNS = ("Date", "HomeTeam", "AwayTeam")


def parse_csv(text: str, league: str | None, season: str, played: bool = True) -> LoadReport:
    """Rows of one football-data CSV; rows that cannot be parsed are counted in
    ``skipped``. ``league=None`` takes each row's league from its ``Div`` column
    (the upcoming-fixtures file mixes leagues); ``played=False`` keeps rows
    without a score. A file without the basic columns raises ``ValueError``."""
    report = LoadReport(files=1)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=True)
    frame = frame.loc[:, ~frame.columns.str.startswith("Unnamed")]
    missing = [c for c in REQUIRED_COLUMNS + (() if league else ("Div",)) if c not in frame]
    if missing:
        raise ValueError(f"not a football-data CSV: no {', '.join(missing)} column")
    for _, row in frame.iterrows():
        if not isinstance(row.get("HomeTeam"), str) or not row["HomeTeam"].strip():
            if row.notna().any():  # a blank trailer line is not a broken row
                report.skipped += 1
            continue
        try:
            report.rows.append(_match(row, league or str(row["Div"]).strip(), season, played))
        except (ValueError, TypeError, KeyError):
            report.skipped += 1
    return report


def load_season(path: Path, league: str, season: str) -> LoadReport:
    """Read one season file of played matches."""
    return parse_csv(_read_text(path), league, season)


def load(data_dir: Path, leagues: list[str], seasons: list[str] | None) -> LoadReport:
    """Load the chosen leagues and seasons (``None`` = every season present)."""
    total = LoadReport()
    found = available(data_dir)
    for league in leagues:
        for season in found.get(league, []):
            if seasons is not None and season not in seasons:
                continue
            part = load_season(data_dir / league / f"{season}.csv", league, season)
            total.rows.extend(part.rows)
            total.skipped += part.skipped
            total.files += part.files
    return total

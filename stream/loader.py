"""Load football-data.co.uk season CSVs laid out as ``<DIR>/<league>/<season>.csv``.

The loader absorbs the format's quirks: a UTF-8 BOM (or Latin-1 files), trailing
empty rows and ``Unnamed`` columns, dd/mm/yy and dd/mm/yyyy dates, a ``Time``
column only from 2019-20, odds columns renamed over the years (``BbAv*`` became
``Avg*``) and missing prices. A row that cannot be read is skipped and counted, with
its file, line and reason; no row stops a load.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from stream.config import BUNDLED_DATA
from stream.events import MatchStats, SideStats
from stream.goals_columns import GoalsLayout, TwoWayPrices, goals_layout, read_goals

__all__ = ["BUNDLED_DATA", "MatchRow", "Prices", "TwoWayPrices", "load", "parse_csv"]

DEFAULT_KICKOFF = time(15, 0)
# football-data's dates and times are UK local time: GMT in winter, BST in summer.
UK = ZoneInfo("Europe/London")
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
    goals: tuple[TwoWayPrices, ...] = ()  # the goals markets' quotes, each group's first


@dataclass(frozen=True)
class Problem:
    """A row that was skipped: where it is and why."""

    file: str
    line: int
    reason: str


@dataclass
class LoadReport:
    rows: list[MatchRow] = field(default_factory=list)
    skipped: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)


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


Row = dict[str, str]


def _number(row: Row, column: str) -> float | None:
    value = row.get(column)
    if not value:  # absent or empty: most of the columns of older seasons
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return None if math.isnan(number) else number


Alternatives = tuple[tuple[str, tuple[str, str, str]], ...]


@dataclass(frozen=True)
class _Layout:
    """What one file's header offers: per quote group, the sources whose three
    price columns exist; the stats columns present. Computed once per file, so
    a row never looks for a column its file does not have."""

    pre: tuple[Alternatives, ...]
    close: tuple[Alternatives, ...]
    stats: tuple[tuple[str, str, str], ...]
    goals: GoalsLayout = ()  # the goals markets' sources whose columns exist

    @classmethod
    def of(cls, header: list[str]) -> _Layout:
        present = set(header)

        def groups(sources):
            return tuple(
                tuple(
                    (book, (p + "H", p + "D", p + "A"))
                    for book, p in group
                    if {p + "H", p + "D", p + "A"} <= present
                )
                for group in sources
            )

        stats = tuple(
            (name, home, away)
            for name, (home, away) in _STAT_COLUMNS.items()
            if home in present or away in present
        )
        return cls(groups(PRE_SOURCES), groups(CLOSE_SOURCES), stats, goals_layout(present))


def _prices(row: Row, group: Alternatives) -> Prices | None:
    for bookmaker, (home_col, draw_col, away_col) in group:
        try:
            home, draw, away = float(row[home_col]), float(row[draw_col]), float(row[away_col])
        except (KeyError, ValueError):  # empty or not a number: the next source
            continue
        if home > 1.0 and draw > 1.0 and away > 1.0:  # NaN compares False: skipped too
            return Prices(bookmaker, home, draw, away)
    return None


def _quotes(row: Row, groups: tuple[Alternatives, ...]) -> tuple[Prices, ...]:
    found = (_prices(row, group) for group in groups if group)
    return tuple(quote for quote in found if quote is not None)


def _count(row: Row, column: str) -> int | None:
    value = row.get(column)
    if value and value.isdigit():  # the usual case, without a float's detour
        return int(value)
    number = _number(row, column)
    return None if number is None or number < 0 else int(number)


def _stats(row: Row, columns: tuple[tuple[str, str, str], ...]) -> MatchStats:
    if not columns:
        return _NO_STATS
    home = {name: _count(row, column) for name, column, _ in columns}
    away = {name: _count(row, column) for name, _, column in columns}
    return MatchStats(home=SideStats(**home), away=SideStats(**away))


_NO_STATS = MatchStats()


@lru_cache(maxsize=4096)  # a season has a few hundred distinct dates
def _day(text: str) -> date:
    """dd/mm/yyyy or dd/mm/yy (the format's two; yy < 70 is 20yy), or ISO yyyy-mm-dd.

    >>> _day("13/08/16"), _day("13/08/2016"), _day("2016-08-13")
    (datetime.date(2016, 8, 13), datetime.date(2016, 8, 13), datetime.date(2016, 8, 13))
    """
    parts = text.split("/") if "/" in text else text.split("-")[::-1]
    try:
        day, month, year = (int(part) for part in parts)
        if year < 100:
            year += 2000 if year < 70 else 1900
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"Date {text!r} is not dd/mm/yy") from None


def _kickoff(row: Row) -> datetime:
    clock = DEFAULT_KICKOFF
    raw_time = (row.get("Time") or "").strip()
    if re.match(r"^\d{1,2}:\d{2}$", raw_time):
        hours, minutes = raw_time.split(":")
        clock = time(int(hours), int(minutes))
    return uk_to_utc(_day((row.get("Date") or "").strip()), clock)


@lru_cache(maxsize=65536)
def uk_to_utc(day: date, clock: time) -> datetime:
    """A UK wall-clock time in UTC (an hour earlier in British Summer Time).

    >>> uk_to_utc(date(2024, 5, 26), time(20, 0)).isoformat()  # BST
    '2024-05-26T19:00:00+00:00'
    >>> uk_to_utc(date(2024, 1, 13), time(15, 0)).isoformat()  # GMT
    '2024-01-13T15:00:00+00:00'
    """
    return datetime.combine(day, clock, tzinfo=UK).astimezone(UTC)


def _match(row: Row, league: str, season: str, played: bool, layout: _Layout) -> MatchRow:
    home_goals, away_goals = _count(row, "FTHG"), _count(row, "FTAG")
    if (home_goals is None or away_goals is None) and played:
        raise ValueError("no full-time score")
    if home_goals is None or away_goals is None:
        home_goals = away_goals = None
    away = (row.get("AwayTeam") or "").strip()
    if not away:
        raise ValueError("no AwayTeam")
    return MatchRow(
        league=league,
        season=season,
        kickoff=_kickoff(row),
        home=row["HomeTeam"].strip(),
        away=away,
        home_goals=home_goals,
        away_goals=away_goals,
        pre=_quotes(row, layout.pre),
        close=_quotes(row, layout.close),
        stats=_stats(row, layout.stats),
        goals=read_goals(row, layout.goals, _number),
    )


REQUIRED_COLUMNS = ("Date", "HomeTeam", "AwayTeam")


def _fields(line: str) -> list[str]:
    """One CSV line's fields; csv.Error for broken quoting. Line by line, so a
    stray quote costs its own row, never the rest of the file (the format has
    no field that spans lines). Lines without quotes, nearly all of them, are
    split directly: the csv module costs a fifth of the load."""
    if '"' not in line:
        return line.split(",")
    return next(csv.reader([line], strict=True))


def parse_csv(
    text: str, league: str | None, season: str, played: bool = True, name: str = "<csv>"
) -> LoadReport:
    """Rows of one football-data CSV. A row that cannot be read (broken
    quoting, more or fewer fields than the header, a bad date or number where
    one is needed) is skipped and counted, with ``name`` and its line in
    ``problems``. ``league=None`` takes each row's league from its ``Div``
    column (the upcoming-fixtures file mixes leagues); ``played=False`` keeps
    rows without a score. A file without the basic columns raises ``ValueError``.

    >>> text = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG\\nE0,13/08/16,Hull,Leicester,2,1\\n"
    >>> report = parse_csv(text + 'E0,13/08/16,"Burnley,Swansea,0,1\\nE0,xx,A,B,1,1\\n', "E0", "s")
    >>> len(report.rows), report.skipped, [p.line for p in report.problems]
    (1, 2, [3, 4])
    """
    report = LoadReport(files=1)
    lines = text.splitlines()
    header = [column.strip() for column in _fields(lines[0])] if lines else []
    width = len(header)
    while width and (not header[width - 1] or header[width - 1].startswith("Unnamed")):
        width -= 1  # trailing empty columns: some files pad every row with commas
    missing = [c for c in REQUIRED_COLUMNS + (() if league else ("Div",)) if c not in header]
    if missing:
        raise ValueError(f"not a football-data CSV: no {', '.join(missing)} column")
    layout = _Layout.of(header)
    for number, line in enumerate(lines[1:], start=2):
        reason = _parse_line(line, header, width, league, season, played, layout, report)
        if reason is not None:
            report.skipped += 1
            report.problems.append(Problem(name, number, reason))
    return report


def _parse_line(
    line: str,
    header: list[str],
    width: int,
    league: str | None,
    season: str,
    played: bool,
    layout: _Layout,
    report: LoadReport,
) -> str | None:
    """Add the line's match to ``report``; the reason when it is skipped."""
    if not line.strip(",; \t"):
        return None  # a blank trailer line is not a broken row
    try:
        fields = _fields(line)
    except csv.Error as exc:
        return f"unreadable ({exc})"
    if len(fields) < width or any(f.strip() for f in fields[len(header) :]):
        return f"{len(fields)} fields, the header has {width}"
    row = dict(zip(header, fields))
    if not (row.get("HomeTeam") or "").strip():
        return "no HomeTeam"
    try:
        report.rows.append(
            _match(row, league or row.get("Div", "").strip(), season, played, layout)
        )
    except (ValueError, TypeError, KeyError) as exc:
        return str(exc)
    return None


def load_season(path: Path, league: str, season: str) -> LoadReport:
    """Read one season file of played matches."""
    return parse_csv(_read_text(path), league, season, name=f"{league}/{path.name}")


def load(
    data_dir: Path,
    leagues: list[str],
    seasons: list[str] | None,
    on_file: Callable[[int, int], None] | None = None,
) -> LoadReport:
    """Load the chosen leagues and seasons (``None`` = every season present);
    ``on_file(done, total)`` after each file."""
    total = LoadReport()
    found = available(data_dir)
    files = [
        (league, season)
        for league in leagues
        for season in found.get(league, [])
        if seasons is None or season in seasons
    ]
    for done, (league, season) in enumerate(files, start=1):
        part = load_season(data_dir / league / f"{season}.csv", league, season)
        total.rows.extend(part.rows)
        total.skipped += part.skipped
        total.files += part.files
        total.problems.extend(part.problems)
        if on_file is not None:
            on_file(done, len(files))
    return total

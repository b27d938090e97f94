"""football-data.co.uk as a live source: the season file of each league
(``mmz4281/2526/E0.csv``, growing as matches are played) and the upcoming
fixtures file (``fixtures.csv``, every league, odds but no scores)."""

from __future__ import annotations

import re

from stream.events import is_league_code

DEFAULT_BASE_URL = "https://www.football-data.co.uk"


def is_football_data_code(code: str) -> bool:
    """A league code as football-data.co.uk names its files: upper case.

    >>> is_football_data_code("SP1"), is_football_data_code("sp1")
    (True, False)
    """
    return is_league_code(code) and code == code.upper()


def season_code(season: str) -> str:
    """``'2025-26'`` -> ``'2526'``, football-data's folder for the season.

    >>> season_code("2025-26")
    '2526'
    """
    found = re.fullmatch(r"(\d{2})(\d{2})-(\d{2})", season)
    if not found:
        raise ValueError(f"{season!r} is not a season like 2025-26")
    return found.group(2) + found.group(3)


def season_url(base: str, season: str, league: str) -> str:
    return f"{base.rstrip('/')}/mmz4281/{season_code(season)}/{league}.csv"


def fixtures_url(base: str) -> str:
    return f"{base.rstrip('/')}/fixtures.csv"

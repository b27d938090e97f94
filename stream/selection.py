"""Which leagues and seasons a command covers, from its flags.

Errors are :class:`SelectionError` whose message names the flag, so the CLI
can exit 2 with it.

>>> available = {"E0": ["2005-06", "2006-07", "2007-08"], "SP1": ["2006-07"]}
>>> choose_leagues("E0", available)
['E0']
>>> choose_seasons("2005-06:2006-07")
('2005-06', '2006-07')
>>> seasons_in_range(("2005-06", "2006-07"), available, ["E0", "SP1"])
['2005-06', '2006-07']
>>> choose_leagues("XX", available)
Traceback (most recent call last):
...
stream.selection.SelectionError: --leagues: unknown league 'XX' (available: E0, SP1)
"""

from __future__ import annotations

import re

_SEASON = re.compile(r"^(\d{4})-(\d{2})$")


class SelectionError(ValueError):
    pass


def check_season(text: str, flag: str) -> str:
    """A season like ``2017-18`` whose second year follows the first."""
    match = _SEASON.match(text.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise SelectionError(f"{flag}: malformed season {text!r} (expected e.g. 2017-18)")
    return text.strip()


def choose_leagues(text: str | None, available: dict[str, list[str]]) -> list[str]:
    if not text:
        return sorted(available)
    chosen = [code.strip() for code in text.split(",") if code.strip()]
    if not chosen:
        raise SelectionError("--leagues: no league given")
    for code in chosen:
        if code not in available:
            known = ", ".join(sorted(available)) or "none"
            raise SelectionError(f"--leagues: unknown league {code!r} (available: {known})")
    return chosen


def choose_seasons(text: str | None) -> tuple[str, str] | None:
    """``FIRST:LAST`` (either side may be empty) or one season; None = all."""
    if not text:
        return None
    first, sep, last = text.partition(":")
    if not sep:
        season = check_season(first, "--seasons")
        return (season, season)
    low = check_season(first, "--seasons") if first.strip() else "0000-01"
    high = check_season(last, "--seasons") if last.strip() else "9999-00"
    if low > high:
        raise SelectionError(f"--seasons: range {text!r} runs backwards")
    return (low, high)


def seasons_in_range(
    bounds: tuple[str, str] | None, available: dict[str, list[str]], leagues: list[str]
) -> list[str]:
    """Every available season of the chosen leagues inside the bounds."""
    seasons = sorted({s for code in leagues for s in available[code]})
    if bounds is None:
        return seasons
    chosen = [s for s in seasons if bounds[0] <= s <= bounds[1]]
    if not chosen:
        raise SelectionError(
            f"--seasons: no data for {bounds[0]}:{bounds[1]} in {', '.join(leagues)}"
        )
    return chosen


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, flag: str) -> float:
    """Seconds in ``'90s'``, ``'30m'``, ``'6h'`` or ``'1d'``.

    >>> parse_duration("6h", "--every")
    21600.0
    """
    found = _DURATION.match(text.strip())
    if not found or float(found.group(1)) <= 0:
        raise SelectionError(f"{flag}: {text!r} is not a duration like 90s, 30m, 6h or 1d")
    return float(found.group(1)) * _UNIT_SECONDS[found.group(2)]

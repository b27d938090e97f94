"""One canonical name per club, with aliases.

The canonical names are football-data.co.uk's (those of the bundled data, so
ratings and match ids line up); ``data/teams.csv`` lists them per league with
common other spellings. Matching ignores case, accents, punctuation and the
tokens ``FC``/``AFC``/``CF`` and bare numbers.

>>> names = team_names()
>>> names.canonical("Manchester United"), names.canonical("man utd"), names.canonical("Man United")
('Man United', 'Man United', 'Man United')
>>> names.canonical("Atlético Madrid"), names.canonical("Schalke")
('Ath Madrid', 'Schalke 04')
>>> names.canonical("Manchester Untied", "E0")
Traceback (most recent call last):
...
stream.teams.UnknownTeam: unknown team 'Manchester Untied' (closest: Man United, Man City, Newcastle)
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from stream.config import BUNDLED_DATA

TEAMS_FILE = BUNDLED_DATA.parent / "teams.csv"
_NOISE = {"fc", "afc", "cf"}


class UnknownTeam(ValueError):
    def __init__(self, name: str, closest: list[str], side: str = "") -> None:
        self.name, self.closest, self.side = name, closest, side
        hint = f" (closest: {', '.join(closest)})" if closest else ""
        super().__init__(f"unknown team {name!r}{hint}")


def normalise(name: str) -> str:
    """The matching key of a name.

    >>> normalise("Brighton & Hove Albion F.C."), normalise("Nott'm Forest")
    ('brighton and hove albion', 'nottm forest')
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    text = re.sub(r"[.'\u2019`]", "", text)  # \u2019: the typographic apostrophe
    tokens = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(t for t in tokens if t not in _NOISE and not t.isdigit())


def _country(league: str) -> str:
    """football-data's country prefix of a league code.

    >>> _country("E0"), _country("SP1"), _country("SC0")
    ('E', 'SP', 'SC')
    """
    return league.rstrip("0123456789C") if league.endswith("C") else league.rstrip("0123456789")


class TeamNames:
    """Canonical names by league and the key of every accepted spelling."""

    def __init__(self, entries: list[tuple[str, str, list[str]]]) -> None:
        self._by_key: dict[str, str] = {}
        self._league_keys: dict[str, set[str]] = defaultdict(set)
        for league, canonical, aliases in entries:
            for spelling in (canonical, *aliases):
                key = normalise(spelling)
                if key:
                    self._by_key.setdefault(key, canonical)
                    self._league_keys[league].add(key)

    @classmethod
    def from_csv(cls, path: Path) -> TeamNames:
        with path.open(newline="", encoding="utf-8") as handle:
            return cls(
                [
                    (
                        row["league"],
                        row["canonical"].strip(),
                        [a.strip() for a in row["aliases"].split("|") if a.strip()],
                    )
                    for row in csv.DictReader(handle)
                ]
            )

    def canonical(self, name: str, league: str | None = None) -> str:
        """The club's canonical name; :class:`UnknownTeam` names the closest.
        Given a league, the club must be registered in a league of the same
        country (the code's letters: E0 and E1 share clubs through promotion,
        E0 and SP1 never do)."""
        key = normalise(name)
        found = self._by_key.get(key)
        if found is None or (league and not self._same_country(key, league)):
            raise UnknownTeam(name, self.closest(name, league))
        return found

    def _same_country(self, key: str, league: str) -> bool:
        country = _country(league)
        return any(
            key in keys for code, keys in self._league_keys.items() if _country(code) == country
        )

    def resolve(self, name: str, league: str) -> str:
        """:meth:`canonical` in a league the registry covers; elsewhere (a league
        of the user's own data) the name as given, since there is nothing to
        check it against."""
        if league not in self._league_keys:
            return name.strip()
        return self.canonical(name, league)

    def resolve_sides(self, league: str, home: str, away: str) -> tuple[str, str]:
        """:meth:`resolve` of both clubs; the error's ``side`` names the field."""
        names = []
        for side, name in (("home", home), ("away", away)):
            try:
                names.append(self.resolve(name, league))
            except UnknownTeam as exc:
                exc.side = side
                raise
        return names[0], names[1]

    def closest(self, name: str, league: str | None = None, n: int = 3) -> list[str]:
        keys = self._league_keys.get(league or "", set()) or set(self._by_key)
        matches = difflib.get_close_matches(normalise(name), sorted(keys), n=n * 3, cutoff=0.5)
        ordered = dict.fromkeys(self._by_key[key] for key in matches)
        return list(ordered)[:n]


@lru_cache(maxsize=1)
def team_names() -> TeamNames:
    """The bundled registry (read once per process)."""
    return TeamNames.from_csv(TEAMS_FILE)


def canonical_fixture(event):
    """A fixture event with its clubs' canonical names; any other event as it is.
    An unknown club raises :class:`UnknownTeam` with ``side`` set to the field."""
    if getattr(event, "type", None) != "fixture":
        return event
    home, away = team_names().resolve_sides(event.league, event.home, event.away)
    return event.model_copy(update={"home": home, "away": away})

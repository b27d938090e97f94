"""Expand a panel's SQL the way Grafana's PostgreSQL datasource does: the
frontend interpolates template variables and ``$__interval``, then the
backend replaces its macros (rules of ``pkg/tsdb/grafana-postgresql-datasource/
macros.go``). The tests and the dashboard benchmark run the result against
PostgreSQL; Grafana itself does not need this module.

>>> expand("SELECT $__timeGroupAlias(ts, $__interval) FROM t WHERE $__timeFilter(ts)"
...        " AND league IN (${league:sqlstring})", Range(START, END, "1d"), {"league": ["E0"]})
'SELECT floor(extract(epoch from ts)/86400)*86400 AS "time" FROM t WHERE ts BETWEEN \
\\'2020-01-01T00:00:00Z\\' AND \\'2020-01-08T00:00:00Z\\' AND league IN (\\'E0\\')'
>>> expand("$__timeGroup(ts, '5m')", Range(START, END, "1d"), {}, timescaledb=True)
"time_bucket('300.000s',ts)"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from stream.records import iso

START = datetime(2020, 1, 1, tzinfo=UTC)
END = datetime(2020, 1, 8, tzinfo=UTC)
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_MACRO = re.compile(r"\$(__\w+)\(([^)]*)\)")
_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\$(\w+)|\[\[(\w+)\]\]")


@dataclass(frozen=True)
class Range:
    start: datetime
    end: datetime
    interval: str = "1d"


def seconds(interval: str) -> float:
    """``'5m'`` -> 300.0, as Grafana's gtime.ParseInterval reads it."""
    match = re.fullmatch(r"'?(\d+)(ms|s|m|h|d|w|y)'?", interval.strip())
    if not match:
        raise ValueError(f"bad interval {interval!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _rfc3339(moment: datetime) -> str:
    return iso(moment).replace("+00:00", "Z")  # as Grafana writes it


def _format(values: list[str], fmt: str | None) -> str:
    quoted = ",".join("'" + v.replace("'", "''") + "'" for v in values)
    if fmt == "sqlstring" or (fmt is None and len(values) > 1):
        return quoted
    if fmt == "csv":
        return ",".join(values)
    if fmt in ("regex", "pipe"):
        joined = "|".join(re.escape(v) if fmt == "regex" else v for v in values)
        return f"({joined})" if fmt == "regex" and len(values) > 1 else joined
    if fmt in (None, "raw"):
        return values[0]
    raise ValueError(f"unsupported variable format {fmt!r}")


def interpolate(sql: str, time: Range, variables: dict[str, list[str]]) -> str:
    """The frontend's step: global and template variables."""
    sql = sql.replace("$__interval_ms", str(int(seconds(time.interval) * 1000)))
    sql = sql.replace("$__interval", time.interval)

    def replace(match: re.Match) -> str:
        name = match.group(1) or match.group(3) or match.group(4)
        if name.startswith("__"):
            return match.group(0)  # a macro, for the backend
        if name not in variables:
            raise KeyError(f"undefined template variable ${name}")
        return _format(variables[name], match.group(2))

    return _VARIABLE.sub(replace, sql)


def _macro(name: str, args: list[str], time: Range, timescaledb: bool) -> str:
    if name == "__time":
        return f'{args[0]} AS "time"'
    if name == "__timeEpoch":
        return f'extract(epoch from {args[0]}) as "time"'
    if name == "__timeFilter":
        return f"{args[0]} BETWEEN '{_rfc3339(time.start)}' AND '{_rfc3339(time.end)}'"
    if name == "__timeFrom":
        return f"'{_rfc3339(time.start)}'"
    if name == "__timeTo":
        return f"'{_rfc3339(time.end)}'"
    if name in ("__timeGroup", "__timeGroupAlias"):
        step = seconds(args[1])
        group = (
            f"time_bucket('{step:.3f}s',{args[0]})"
            if timescaledb
            else f"floor(extract(epoch from {args[0]})/{step:g})*{step:g}"
        )
        return group + (' AS "time"' if name == "__timeGroupAlias" else "")
    if name == "__unixEpochFilter":
        lo, hi = int(time.start.timestamp()), int(time.end.timestamp())
        return f"{args[0]} >= {lo} AND {args[0]} <= {hi}"
    raise ValueError(f"unknown macro ${name}")


def expand(
    sql: str, time: Range, variables: dict[str, list[str]], timescaledb: bool = False
) -> str:
    """Variables, then macros; fails on anything left unexpanded."""
    text = interpolate(sql, time, variables)

    def replace(match: re.Match) -> str:
        name, args = match.group(1), [a.strip() for a in match.group(2).split(",")]
        if name == "__timeGroup" and text[match.end() : match.end() + 1] == ",":
            name = "__timeGroupAlias"  # Grafana's pre-5.3 compatibility rule
        return _macro(name, args, time, timescaledb)

    text = _MACRO.sub(replace, text)
    if "$__" in text:
        raise ValueError(f"unexpanded macro in {text!r}")
    return text


def relative_range(end: datetime, seconds_back: int) -> Range:
    """The range of an alert rule's ``relativeTimeRange`` evaluated at ``end``."""
    return Range(end - timedelta(seconds=seconds_back), end)

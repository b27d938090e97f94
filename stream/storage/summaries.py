"""Summaries a writer keeps beside the rows, so that a read is a few rows,
not the history: each league's score totals per model and moment
(``metric_totals``) and the newest bankroll of each league and strategy
(``latest_bankroll``), matches per league and status (``match_counts``) and
each match's newest prediction per model (``latest_predictions``) and the
span of its odds' and predictions' times (``match_spans``).

Both stores call :func:`summary_writes` inside the transaction of a write,
before its upserts land (the totals change by what a row replaces), and run
the statements it returns there. SQL uses ``:name`` parameters.

>>> row = {"match_id": "m", "model": "arf", "phase": "pre", "ts": "2020-01-01T15:00:00+00:00",
...        "league": "E0", "rps": 0.25, "log_loss": 1.0, "correct": 1, "brier": 0.5}
>>> [(sql.split()[2], rows) for sql, rows in summary_writes({"model_metrics": [row]}, {}, [], [])]
[('metric_totals', [{'league': 'E0', 'model': 'arf', 'phase': 'pre', 'n': 1, 'rps': 0.25, \
'log_loss': 1.0, 'correct': 1, 'brier': 0.5, 'first_ts': '2020-01-01T15:00:00+00:00', \
'last_ts': '2020-01-01T15:00:00+00:00'}])]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from stream.records import as_text
from stream.storage.schema import SUMMARY_TABLES

SCORES = ("rps", "log_loss", "correct", "brier")
SERIES = ("league", "model", "phase")
_METRIC_KEY = ("match_id", "model", "phase", "ts")


def _span(table: str) -> str:
    """Widen the stored span (first_ts, last_ts) to the written one, never
    narrow it (a delete writes none: a span may be loose, never short)."""

    def bound(column: str, wins: str) -> str:
        stored, written = f"{table}.{column}", f"excluded.{column}"
        return (
            f"{column} = CASE WHEN {stored} IS NULL OR {written} {wins} {stored} "
            f"THEN {written} ELSE {stored} END"
        )

    return f"{bound('first_ts', '<')}, {bound('last_ts', '>')}"


TOTALS_UPSERT = (
    "INSERT INTO metric_totals (league, model, phase, n, rps, log_loss, correct, brier, "
    "first_ts, last_ts) VALUES (:league, :model, :phase, :n, :rps, :log_loss, :correct, "
    ":brier, :first_ts, :last_ts) "
    "ON CONFLICT (league, model, phase) DO UPDATE SET n = metric_totals.n + excluded.n, "
    + ", ".join(f"{c} = metric_totals.{c} + excluded.{c}" for c in SCORES)
    + f", {_span('metric_totals')}"
)
SPAN_UPSERT = (
    "INSERT INTO match_spans (match_id, league, first_ts, last_ts) "
    "VALUES (:match_id, :league, :first_ts, :last_ts) ON CONFLICT (match_id) DO UPDATE SET "
    + _span("match_spans")
)
# the newer of the stored and the written row, by (ts, match_id): the order
# in which the bankroll route has always broken ties of one instant
BANKROLL_UPSERT = (
    "INSERT INTO latest_bankroll (league, strategy, ts, match_id, season, bankroll) "
    "VALUES (:league, :strategy, :ts, :match_id, :season, :bankroll) "
    "ON CONFLICT (league, strategy) DO UPDATE SET ts = excluded.ts, "
    "match_id = excluded.match_id, season = excluded.season, bankroll = excluded.bankroll "
    "WHERE excluded.ts > latest_bankroll.ts OR (excluded.ts = latest_bankroll.ts "
    "AND excluded.match_id >= latest_bankroll.match_id)"
)


PREDICTION_COLUMNS = SUMMARY_TABLES["latest_predictions"].column_names
# a match's newest prediction per model, by moment (ts, then close over pre):
# the moment the predictions page shows
PREDICTION_UPSERT = (
    f"INSERT INTO latest_predictions ({', '.join(PREDICTION_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in PREDICTION_COLUMNS)}) "
    "ON CONFLICT (match_id, model) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in PREDICTION_COLUMNS[2:])
    + " WHERE excluded.ts > latest_predictions.ts OR (excluded.ts = latest_predictions.ts "
    "AND (excluded.phase = 'close' OR latest_predictions.phase <> 'close'))"
)

COUNTS_UPSERT = (
    "INSERT INTO match_counts (league, status, n) VALUES (:league, :status, :n) "
    "ON CONFLICT (league, status) DO UPDATE SET n = match_counts.n + excluded.n"
)


def old_matches_query(match_ids: list[str]) -> tuple[str, dict[str, str]]:
    """The stored league and status of these matches."""
    return _by_match("SELECT match_id, league, status FROM matches", match_ids)


def _by_match(select: str, match_ids: list[str]) -> tuple[str, dict[str, str]]:
    params = {f"m{i}": match_id for i, match_id in enumerate(match_ids)}
    marks = ", ".join(f":{name}" for name in params)
    return f"{select} WHERE match_id IN ({marks})", params


def count_deltas(new: list[dict], old: Iterable[dict]) -> list[dict[str, Any]]:
    """Matches per league and status changed by upserting ``new`` over the
    stored rows ``old``.

    >>> count_deltas([{"match_id": "m", "league": "E0", "status": "played"},
    ...               {"match_id": "k", "league": "E0", "status": "scheduled"}],
    ...              [{"match_id": "m", "league": "E0", "status": "scheduled"}])
    [{'league': 'E0', 'status': 'scheduled', 'n': 0}, {'league': 'E0', 'status': 'played', 'n': 1}]
    """
    stored = {row["match_id"]: row for row in old}
    counts: dict[tuple, int] = {}
    for row in new:
        replaced = stored.pop(row["match_id"], None)
        if replaced is not None:
            pair = (replaced["league"], replaced["status"])
            counts[pair] = counts.get(pair, 0) - 1
            row = {**replaced, **row}  # a partial row keeps the stored status
        pair = (row["league"], row["status"])
        counts[pair] = counts.get(pair, 0) + 1
    return [{"league": lg, "status": st, "n": n} for (lg, st), n in counts.items()]


def old_metrics_query(match_ids: list[str]) -> tuple[str, dict[str, str]]:
    """The stored score rows of these matches: what a write may replace.

    >>> old_metrics_query(["a", "b"])[0].endswith("WHERE match_id IN (:m0, :m1)")
    True
    """
    return _by_match(
        "SELECT match_id, model, phase, ts, league, rps, log_loss, correct, brier "
        "FROM model_metrics",
        match_ids,
    )


def metric_match_ids(upserts: dict[str, list[dict]], deletes: dict[str, list[tuple]]) -> list[str]:
    """Matches whose stored score rows a write needs (sorted, once each)."""
    rows = upserts.get("model_metrics", [])
    removed = deletes.get("model_metrics", [])
    return sorted({r["match_id"] for r in rows} | {key[0] for key in removed})


def _key(row: dict[str, Any]) -> tuple:
    return (*(row[c] for c in _METRIC_KEY[:3]), as_text(row["ts"]))


def metric_deltas(
    new: list[dict], old: Iterable[dict], removed: list[tuple]
) -> list[dict[str, Any]]:
    """Per series (league, model, phase): rows added and score sums changed
    by upserting ``new`` over the stored rows ``old`` and deleting the keys
    ``removed`` (match_id, model, phase, ts).

    >>> stored = {"match_id": "m", "model": "arf", "phase": "pre", "ts": "t", "league": "E0",
    ...           "rps": 0.5, "log_loss": 1.0, "correct": 1, "brier": 0.5}
    >>> metric_deltas([{**stored, "rps": 0.25, "correct": 0}, {**stored, "match_id": "k"}],
    ...               [stored], [])
    [{'league': 'E0', 'model': 'arf', 'phase': 'pre', 'n': 1, 'rps': 0.25, 'log_loss': 1.0, \
'correct': 0, 'brier': 0.5, 'first_ts': 't', 'last_ts': 't'}]
    >>> metric_deltas([], [stored], [("m", "arf", "pre", "t")])[0]["n"]
    -1
    """
    stored = {_key(row): row for row in old}
    totals: dict[tuple, dict[str, Any]] = {}

    def add(row: dict, sign: int, counted: bool) -> None:
        series = tuple(row[c] for c in SERIES)
        empty = {**dict(zip(SERIES, series)), "n": 0, **dict.fromkeys(SCORES, 0)}
        total = totals.setdefault(series, {**empty, "first_ts": None, "last_ts": None})
        total["n"] += sign if counted else 0
        for column in SCORES:
            total[column] += sign * row[column]
        if sign > 0:  # the span of the written rows' times
            ts = as_text(row["ts"])
            total["first_ts"] = min(total["first_ts"] or ts, ts)
            total["last_ts"] = max(total["last_ts"] or ts, ts)

    for row in new:
        replaced = stored.pop(_key(row), None)
        if replaced is not None:
            add(replaced, -1, counted=False)
        add(row, +1, counted=replaced is None)
    for key in removed:
        gone = stored.pop(_key(dict(zip(_METRIC_KEY, key))), None)
        if gone is not None:
            add(gone, -1, counted=True)
    return list(totals.values())


def newest_bankrolls(rows: list[dict]) -> list[dict[str, Any]]:
    """The newest written row of each league and strategy, by (ts, match_id).

    >>> newest_bankrolls([{"league": "E0", "strategy": "flat", "ts": "2", "match_id": "a"},
    ...                   {"league": "E0", "strategy": "flat", "ts": "2", "match_id": "b"},
    ...                   {"league": "E0", "strategy": "flat", "ts": "1", "match_id": "c"}])
    [{'league': 'E0', 'strategy': 'flat', 'ts': '2', 'match_id': 'b'}]
    """
    newest: dict[tuple, dict] = {}
    for row in rows:
        pair = (row["league"], row["strategy"])
        kept = newest.get(pair)
        if kept is None or (row["ts"], row["match_id"]) >= (kept["ts"], kept["match_id"]):
            newest[pair] = row
    return list(newest.values())


def newest_predictions(rows: list[dict]) -> list[dict[str, Any]]:
    """The newest written prediction of each match and model, by moment
    (ts, then ``close`` over ``pre``).

    >>> rows = [{"match_id": "m", "model": "arf", "phase": p, "ts": t} for p, t in
    ...         [("pre", "1"), ("close", "2"), ("pre", "2")]]
    >>> [(r["phase"], r["ts"]) for r in newest_predictions(rows)]
    [('close', '2')]
    """
    newest: dict[tuple, dict] = {}
    for row in rows:
        pair = (row["match_id"], row["model"])
        moment = (as_text(row["ts"]), row["phase"] == "close")
        kept = newest.get(pair)
        if kept is None or moment >= (as_text(kept["ts"]), kept["phase"] == "close"):
            newest[pair] = row
    return [{c: r.get(c) for c in PREDICTION_COLUMNS} for r in newest.values()]


def match_spans(rows: Iterable[dict]) -> list[dict[str, Any]]:
    """The span of the written rows' times per match.

    >>> match_spans([{"match_id": "m", "league": "E0", "ts": t} for t in ("2", "1", "3")])
    [{'match_id': 'm', 'league': 'E0', 'first_ts': '1', 'last_ts': '3'}]
    """
    spans: dict[str, dict[str, Any]] = {}
    for row in rows:
        ts = as_text(row["ts"])
        span = spans.setdefault(
            row["match_id"],
            {"match_id": row["match_id"], "league": row["league"], "first_ts": ts, "last_ts": ts},
        )
        span["first_ts"], span["last_ts"] = min(span["first_ts"], ts), max(span["last_ts"], ts)
    return list(spans.values())


def summary_writes(
    upserts: dict[str, list[dict]],
    deletes: dict[str, list[tuple]],
    old_metrics: list[dict],
    old_matches: list[dict],
) -> list[tuple[str, list[dict]]]:
    """The summary statements of one write (rows per table, as grouped by
    :func:`stream.storage.base.group_rows`), given the stored score rows and
    match rows it may replace."""
    statements = []
    if counts := [c for c in count_deltas(upserts.get("matches", []), old_matches) if c["n"]]:
        statements.append((COUNTS_UPSERT, counts))
    deltas = metric_deltas(
        upserts.get("model_metrics", []), old_metrics, deletes.get("model_metrics", [])
    )
    if deltas:
        statements.append((TOTALS_UPSERT, deltas))
    if rows := upserts.get("bankroll"):
        columns = ("league", "strategy", "ts", "match_id", "season", "bankroll")
        newest = [{c: r.get(c) for c in columns} for r in newest_bankrolls(rows)]
        statements.append((BANKROLL_UPSERT, newest))
    if rows := upserts.get("predictions"):
        statements.append((PREDICTION_UPSERT, newest_predictions(rows)))
    if spans := match_spans([*upserts.get("odds", []), *upserts.get("predictions", [])]):
        statements.append((SPAN_UPSERT, spans))
    return statements


def rows_by_table(grouped: dict[tuple[str, tuple[str, ...]], list[dict]]) -> dict[str, list[dict]]:
    """``group_rows``' upserts (keyed by table and column set) per table."""
    tables: dict[str, list[dict]] = {}
    for (table, _columns), rows in grouped.items():
        tables.setdefault(table, []).extend(rows)
    return tables


Select = Callable[[str, dict[str, Any]], list[dict[str, Any]]]


def _stored(select: Select, query: Callable, ids: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):  # well under SQLite's bound on parameters
        found += select(*query(ids[start : start + 500]))
    return found


def summary_statements(
    rows: dict[str, list[dict]], deletes: dict[str, list[tuple]], select: Select
) -> list[tuple[str, list[dict]]]:
    """:func:`summary_writes` of a write, reading what it replaces with
    ``select`` (a read in the write's own transaction)."""
    old_metrics = _stored(select, old_metrics_query, metric_match_ids(rows, deletes))
    match_ids = sorted({r["match_id"] for r in rows.get("matches", [])})
    return summary_writes(rows, deletes, old_metrics, _stored(select, old_matches_query, match_ids))

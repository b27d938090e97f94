"""Tables, columns and natural keys shared by every store.

Types are abstract (``text``, ``float``, ``int``, ``ts``); each store maps them
to its own SQL. These are the live definitions the writers use; the database
gets them through the frozen steps of :mod:`stream.storage.migrations`. The natural key of each table makes every write an upsert, so
replaying the same events leaves the same rows.

>>> TABLES["predictions"].key
('match_id', 'model', 'phase', 'ts')
>>> "CREATE TABLE IF NOT EXISTS odds" in TABLES["odds"].ddl({"text": "TEXT", "float": "REAL",
...     "int": "INTEGER", "ts": "TEXT"})
True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    time_column: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def ddl(self, types: dict[str, str]) -> str:
        cols = ",\n  ".join(f"{name} {types[kind]}" for name, kind in self.columns)
        return (
            f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols},\n"
            f"  PRIMARY KEY ({', '.join(self.key)})\n)"
        )


def table(name: str, key: tuple[str, ...], columns: str, time_column: str | None = None) -> Table:
    """A table from ``"name:kind name:kind ..."``."""
    pairs = tuple((n, kind) for n, kind in (part.split(":") for part in columns.split()))
    return Table(name, pairs, key, time_column)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        table(
            "matches",
            ("match_id",),
            "match_id:text league:text season:text kickoff:ts home:text away:text "
            "home_goals:int away_goals:int status:text",
        ),
        table(
            "odds",
            ("match_id", "phase", "bookmaker", "ts"),
            "match_id:text phase:text bookmaker:text ts:ts league:text "
            "home:float draw:float away:float",
            "ts",
        ),
        table(
            "predictions",
            ("match_id", "model", "phase", "ts"),
            "match_id:text model:text phase:text ts:ts league:text season:text "
            "p_home:float p_draw:float p_away:float odds_home:float odds_draw:float "
            "odds_away:float model_version:int",
            "ts",
        ),
        table(
            "bets",
            ("match_id", "strategy", "market"),
            "match_id:text strategy:text league:text season:text kickoff:ts outcome:text "
            "odds:float probability:float stake:float closing_odds:float clv:float "
            "status:text profit:float bookmaker:text fair_clv:float market:text line:float",
        ),
        # The goals markets (over/under 2.5, Asian handicap): two prices, the
        # first selection's (over; the home side) and the second's, and the
        # handicap's home line. Their own tables: a TimescaleDB hypertable
        # with compression cannot take a market into its primary key.
        table(
            "market_odds",
            ("match_id", "market", "phase", "bookmaker", "ts"),
            "match_id:text market:text phase:text bookmaker:text ts:ts league:text "
            "line:float odds_first:float odds_second:float",
            "ts",
        ),
        table(
            "market_predictions",
            ("match_id", "market", "model", "phase", "ts"),
            "match_id:text market:text model:text phase:text ts:ts league:text season:text "
            "line:float p_first:float odds_first:float odds_second:float model_version:int",
            "ts",
        ),
        table(
            "market_metrics",
            ("match_id", "market", "model", "phase", "ts"),
            "match_id:text market:text model:text phase:text ts:ts league:text season:text "
            "line:float y:float weight:float log_loss:float brier:float correct:int n:int",
            "ts",
        ),
        table(
            "market_bankroll",
            ("league", "market", "strategy", "ts", "match_id"),
            "league:text market:text strategy:text ts:ts match_id:text season:text bankroll:float",
            "ts",
        ),
        table(
            "bankroll",
            ("league", "strategy", "ts", "match_id"),
            "league:text strategy:text ts:ts match_id:text season:text bankroll:float",
            "ts",
        ),
        table(
            "model_metrics",
            ("match_id", "model", "phase", "ts"),
            "match_id:text model:text phase:text ts:ts league:text season:text rps:float "
            "log_loss:float brier:float correct:int n:int rolling_rps:float "
            "rolling_log_loss:float rolling_accuracy:float cum_rps:float "
            "cum_log_loss:float cum_accuracy:float",
            "ts",
        ),
        table(
            "drift_events",
            ("league", "model", "ts", "detector"),
            "league:text model:text ts:ts detector:text season:text match_id:text "
            "matches_seen:int error_before:float error_after:float",
            "ts",
        ),
        table(
            "model_state",
            ("league", "model"),
            "league:text model:text updated_at:ts matches_learned:int drifts:int "
            "warnings:int monitor_drifts:int",
        ),
        table(
            "late_events",
            ("id",),
            "id:text league:text match_id:text type:text ts:ts watermark:ts action:text",
        ),
        table(
            "dead_letters",
            ("id",),
            "id:text league:text match_id:text ts:ts reason:text payload:text",
        ),
    )
}

# Not data but a cache: each league's pickled processor, written every so often
# by the dataflow so the API can predict with the latest models. Kept out of
# TABLES: pickles of equal states differ in bytes, and the cadence is wall time.
STATE_TABLE = table(
    "league_state",
    ("league",),
    "league:text updated_at:ts matches_learned:int events:int state:blob",
)
# One row per snapshot logged to MLflow; which snapshots are taken depends on
# how fast MLflow answers, so this too stays out of TABLES.
SNAPSHOTS_TABLE = table(
    "model_snapshots",
    ("league", "version"),
    "league:text version:int ts:ts run_id:text trigger:text size:int seconds:float",
)
# Summaries the API reads instead of the history, kept by the writer in the
# transaction of the rows they summarise (:mod:`stream.storage.summaries`).
# Derived, so out of TABLES: their float sums depend on the order of writes.
SUMMARY_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        table(
            "metric_totals",
            ("league", "model", "phase"),
            "league:text model:text phase:text n:int rps:float log_loss:float "
            "correct:int brier:float first_ts:ts last_ts:ts",
        ),
        table(
            "latest_bankroll",
            ("league", "strategy"),
            "league:text strategy:text ts:ts match_id:text season:text bankroll:float",
        ),
        table("match_counts", ("league", "status"), "league:text status:text n:int"),
        table(
            "latest_predictions",
            ("match_id", "model"),
            "match_id:text model:text phase:text ts:ts league:text season:text "
            "p_home:float p_draw:float p_away:float odds_home:float odds_draw:float "
            "odds_away:float model_version:int",
        ),
        # the times of a match's odds and predictions: TimescaleDB reads the
        # chunks between them, not all forty
        table("match_spans", ("match_id",), "match_id:text league:text first_ts:ts last_ts:ts"),
    )
}
ALL_TABLES: dict[str, Table] = {
    **TABLES,
    STATE_TABLE.name: STATE_TABLE,
    SNAPSHOTS_TABLE.name: SNAPSHOTS_TABLE,
    **SUMMARY_TABLES,
}

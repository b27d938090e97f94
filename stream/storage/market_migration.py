"""Version 13: the goals markets.

Four time series of their own (``market_odds``, ``market_predictions``,
``market_metrics``, ``market_bankroll``: on TimescaleDB hypertables laid out
as version 8 lays out the 1X2's), and ``bets`` gains ``market`` (``1x2`` for
every earlier bet) and ``line``, with the market in its key. SQLite cannot
change a key in place: it rebuilds ``bets`` and its indexes.

>>> sqlite = {"text": "TEXT", "float": "REAL", "int": "INTEGER", "ts": "TEXT"}
>>> [s.split(" (")[0] for s in market_statements("sqlite", False, sqlite)][:2]
['CREATE TABLE IF NOT EXISTS market_odds', 'CREATE TABLE IF NOT EXISTS market_predictions']
>>> postgres = {"text": "TEXT", "float": "DOUBLE PRECISION", "int": "BIGINT", "ts": "TIMESTAMPTZ"}
>>> "ADD PRIMARY KEY (match_id, strategy, market)" in market_statements("postgres", False, postgres)[-1]
True
"""

from __future__ import annotations

from collections.abc import Sequence

from stream.storage.schema import TABLES

MARKET_SERIES = ("market_odds", "market_predictions", "market_metrics", "market_bankroll")
MARKET_CHUNK_DAYS = {
    "market_odds": 180,
    "market_predictions": 180,
    "market_metrics": 180,
    "market_bankroll": 365,
}
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS market_predictions_league "
    "ON market_predictions (league, market, ts)",
    "CREATE INDEX IF NOT EXISTS market_metrics_series "
    "ON market_metrics (league, market, model, phase, ts, match_id)",
    "CREATE INDEX IF NOT EXISTS market_bankroll_series "
    "ON market_bankroll (league, market, strategy, ts, match_id)",
)
# the bets columns before version 13, in order
_BET_COLUMNS = (
    "match_id, strategy, league, season, kickoff, outcome, odds, probability, stake, "
    "closing_odds, clv, status, profit, bookmaker, fair_clv"
)


def market_statements(
    dialect: str, timescale: bool, types: dict[str, str], bet_indexes: Sequence[str] = ()
) -> list[str]:
    """Version 13 for one kind of store, with its column ``types``;
    ``bet_indexes`` are the statements that made ``bets``' indexes (a SQLite
    rebuild makes them again)."""
    statements = [TABLES[name].ddl(types) for name in MARKET_SERIES]
    statements += _INDEXES
    if dialect == "sqlite":
        rebuilt = TABLES["bets"].ddl(types).replace("EXISTS bets (", "EXISTS bets_v13 (")
        return [
            *statements,
            rebuilt,
            f"INSERT INTO bets_v13 ({_BET_COLUMNS}, market, line) "
            f"SELECT {_BET_COLUMNS}, '1x2', NULL FROM bets",
            "DROP TABLE bets",
            "ALTER TABLE bets_v13 RENAME TO bets",
            *bet_indexes,
        ]
    if timescale:
        for name in MARKET_SERIES:
            statements += [
                f"SELECT create_hypertable('{name}', by_range('ts', INTERVAL "
                f"'{MARKET_CHUNK_DAYS[name]} days'), if_not_exists => TRUE, migrate_data => TRUE)",
                f"ALTER TABLE {name} SET (timescaledb.compress, "
                "timescaledb.compress_segmentby = 'league', timescaledb.compress_orderby = 'ts')",
                f"SELECT add_compression_policy('{name}', INTERVAL '30 days', "
                "if_not_exists => TRUE)",
            ]
    return [
        *statements,
        "ALTER TABLE bets ADD COLUMN IF NOT EXISTS market TEXT NOT NULL DEFAULT '1x2', "
        "ADD COLUMN IF NOT EXISTS line DOUBLE PRECISION, DROP CONSTRAINT IF EXISTS bets_pkey, "
        "ADD PRIMARY KEY (match_id, strategy, market)",
    ]

"""The store interface every backend implements, and the SQL they share.

Queries are written once with ``:name`` parameters; each backend adapts them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from stream.records import Record
from stream.storage.migrations import LATEST
from stream.storage.schema import ALL_TABLES


class StoreError(RuntimeError):
    """The store cannot be opened or written."""


Upserts = dict[tuple[str, tuple[str, ...]], list[dict]]
Deletes = dict[str, list[tuple]]


def group_rows(records: Iterable[Record]) -> tuple[Upserts, Deletes]:
    """Rows to upsert per (table, column set) and natural keys to delete per
    table; the last write of each natural key wins.

    >>> upserts, deletes = group_rows([Record("matches", {"match_id": "m", "status": "a"}),
    ...                                Record("matches", {"match_id": "m", "status": "b"}),
    ...                                Record("matches", {"match_id": "n", "status": "a"}),
    ...                                Record("matches", {"match_id": "n"}, delete=True)])
    >>> list(upserts.values()), deletes
    ([[{'match_id': 'm', 'status': 'b'}]], {'matches': [('n',)]})
    """
    kept: list[tuple[str, tuple, Record]] = []
    seen: set[tuple[str, tuple]] = set()
    for record in reversed(list(records)):  # newest first: the first seen of a key wins
        key = _NATURAL_KEY[record.table](record.row)
        if (record.table, key) not in seen:
            seen.add((record.table, key))
            kept.append((record.table, key, record))
    upserts: Upserts = {}
    deletes: Deletes = {}
    for table, key, record in reversed(kept):  # in the order of the last writes
        if record.delete:
            deletes.setdefault(table, []).append(key)
        else:
            upserts.setdefault((table, tuple(record.row)), []).append(record.row)
    return upserts, deletes


def _key_getter(columns: tuple[str, ...]) -> Callable[[dict], tuple]:
    if len(columns) == 1:  # itemgetter of one column gives the value, not a tuple
        (column,) = columns
        return lambda row: (row[column],)
    return itemgetter(*columns)


# table -> the row's natural key, as a tuple (group_rows runs for every row written)
_NATURAL_KEY = {name: _key_getter(table.key) for name, table in ALL_TABLES.items()}


def delete_sql(table: str, placeholder: str) -> str:
    """DELETE of one row by its natural key."""
    return f"DELETE FROM {table} WHERE " + " AND ".join(
        f"{k} = {placeholder}" for k in ALL_TABLES[table].key
    )


def on_conflict(table: str, columns: tuple[str, ...]) -> str:
    """``ON CONFLICT (natural key) DO UPDATE`` of the non-key columns: the
    clause that makes every write an upsert, in SQLite and PostgreSQL.

    >>> on_conflict("model_state", ("league", "model", "drifts"))
    'ON CONFLICT (league, model) DO UPDATE SET drifts = excluded.drifts'
    """
    key = ALL_TABLES[table].key
    updates = [f"{c} = excluded.{c}" for c in columns if c not in key]
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    return f"ON CONFLICT ({', '.join(key)}) {action}"


def upsert_sql(table: str, columns: tuple[str, ...], placeholders: list[str]) -> str:
    """INSERT of one row that updates the row with the same natural key."""
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "
        + on_conflict(table, columns)
    )


class Store(ABC):
    """Idempotent writes of records and read queries for summaries and serving."""

    url: str
    dialect: str  # "sqlite" or "postgres": what SQL the store speaks
    timescale: bool = False  # time series in TimescaleDB hypertables (PostgreSQL only)

    @abstractmethod
    def create_schema(self, upto: int = LATEST) -> None:
        """Apply the migrations the database lacks, up to version ``upto``."""

    @abstractmethod
    def write(self, records: Iterable[Record]) -> int:
        """Upsert the records in one transaction; return the rows written."""

    @abstractmethod
    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read query written with ``:name`` parameters."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def delete_leagues(self, leagues: list[str]) -> int:
        """Remove every row of these leagues (the MLflow snapshot log aside),
        in one transaction; return the rows removed. A replay of a league
        recomputes it from scratch."""

    def data_version(self) -> object | None:
        """A value that changes when another connection commits, or None when
        the store cannot tell (callers then fall back to a time limit)."""
        return None

    def count(self, table: str) -> int:
        return int(self.fetch(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Every table with a league column, the MLflow snapshot log aside: those rows
# describe registry versions, which a new replay does not remove.
LEAGUE_TABLES = tuple(
    name
    for name, table in ALL_TABLES.items()
    if "league" in table.column_names and name != "model_snapshots"
)


def check_schema(store: Store) -> None:
    """StoreError unless the store holds matchflow's tables (a reader must
    not serve a database nobody has migrated)."""
    try:
        store.fetch("SELECT 1 FROM league_state LIMIT 1")
        store.fetch("SELECT 1 FROM predictions LIMIT 1")
    except Exception as exc:
        raise StoreError(
            f"db: {store.url!r} has no readable matchflow tables "
            f"({type(exc).__name__}); run `matchflow migrate --db URL` or a "
            "replay first"
        ) from None


def schema_behind(store: Store) -> str | None:
    """What a reader should say when the store's schema is older than this
    matchflow's (routes that read the newer tables answer 503 until a writer
    or ``matchflow migrate`` brings it up); None when it is current."""
    from stream.storage.migrations import LATEST

    try:
        version = store.fetch("SELECT MAX(version) AS v FROM schema_migrations")[0]["v"]
    except Exception:
        version = None
    if version is not None and int(version) >= LATEST:
        return None
    return (
        f"db: the store's schema is version {version or 'unknown'}, this matchflow reads "
        f"version {LATEST}: pages that need the newer tables answer 503 until "
        "`matchflow migrate --db URL` (or any writer) upgrades it"
    )

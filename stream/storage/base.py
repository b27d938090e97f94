"""The store interface every backend implements, and URL dispatch.

Queries are written once with ``:name`` parameters; each backend adapts them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stream.records import Record
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
    ...                                Record("bets", {"match_id": "m", "strategy": "flat"}),
    ...                                Record("bets", {"match_id": "m", "strategy": "flat"},
    ...                                       delete=True)])
    >>> list(upserts.values()), deletes
    ([[{'match_id': 'm', 'status': 'b'}]], {'bets': [('m', 'flat')]})
    """
    last: dict[tuple[str, tuple], Record] = {}
    for record in records:
        key = tuple(record.row[k] for k in ALL_TABLES[record.table].key)
        last.pop((record.table, key), None)  # re-insert: keep the order of last writes
        last[(record.table, key)] = record
    upserts: Upserts = {}
    deletes: Deletes = {}
    for (table, key), record in last.items():
        if record.delete:
            deletes.setdefault(table, []).append(key)
        else:
            upserts.setdefault((table, tuple(record.row)), []).append(record.row)
    return upserts, deletes


def delete_sql(table: str, placeholder: str) -> str:
    """DELETE of one row by its natural key."""
    return f"DELETE FROM {table} WHERE " + " AND ".join(
        f"{k} = {placeholder}" for k in ALL_TABLES[table].key
    )


def upsert_sql(table: str, columns: tuple[str, ...], placeholders: list[str]) -> str:
    """INSERT ... ON CONFLICT (natural key) DO UPDATE: valid in SQLite and PostgreSQL."""
    key = ALL_TABLES[table].key
    updates = [f"{c} = excluded.{c}" for c in columns if c not in key]
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "
        f"ON CONFLICT ({', '.join(key)}) {action}"
    )


class Store(ABC):
    """Idempotent writes of records and read queries for summaries and serving."""

    url: str

    @abstractmethod
    def create_schema(self) -> None: ...

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


def open_store(
    url: str, create: bool = True, timeout: float | None = None, read_only: bool = False
) -> Store:
    """Open the store a URL names: ``sqlite:///path`` or ``postgresql://...``.
    ``create`` makes or migrates the schema (writers only); ``timeout`` bounds
    each wait: SQLite's busy wait, PostgreSQL's statements and pool (the API's
    2 s), None keeps the writers' patient defaults; ``read_only`` opens a
    SQLite file read-only (on PostgreSQL, the URL's role decides)."""
    if url.startswith("sqlite:"):
        from stream.storage.sqlite import SQLiteStore, sqlite_path

        path = sqlite_path(url)
        if not create and path != ":memory:" and not Path(path).is_file():
            raise StoreError(f"db: no store at {path!r} (run a replay first)")

        store: Store = SQLiteStore(
            url, timeout=60.0 if timeout is None else timeout, read_only=read_only
        )
    elif url.startswith(("postgresql:", "postgres:")):
        from stream.config import Settings
        from stream.storage.postgres import PostgresStore

        store = PostgresStore(url, reader_password=Settings().reader_password, timeout=timeout)
    else:
        raise StoreError(f"db: unsupported URL {url!r} (use sqlite:///FILE or postgresql://...)")
    if create and not read_only:
        store.create_schema()
    return store


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

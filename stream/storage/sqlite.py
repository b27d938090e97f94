"""SQLite store: the embedded default, one file, no server.

>>> from stream.records import Record
>>> store = SQLiteStore("sqlite:///:memory:")
>>> store.create_schema()
>>> store.write([Record("model_state", {"league": "E0", "model": "arf", "drifts": 1})])
1
>>> store.fetch("SELECT drifts FROM model_state WHERE league = :league", {"league": "E0"})
[{'drifts': 1}]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stream.records import Record
from stream.storage.base import LEAGUE_TABLES, Store, StoreError, delete_sql, group_rows, upsert_sql
from stream.storage.migrations import LATEST, LEDGER, MIGRATIONS, pending
from stream.storage.schema import ALL_TABLES, SUMMARY_TABLES
from stream.storage.summaries import rows_by_table, summary_statements


def sqlite_path(url: str) -> str:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or ``sqlite:///:memory:``."""
    if not url.startswith("sqlite:///"):
        raise StoreError(f"db: SQLite URLs look like sqlite:///matchflow.db, got {url!r}")
    return url[len("sqlite:///") :]


class SQLiteStore(Store):
    """``read_only`` opens the file so that no statement can change it (the API's way)."""

    dialect = "sqlite"

    def __init__(self, url: str, timeout: float = 60.0, read_only: bool = False) -> None:
        self.url = url
        path = sqlite_path(url)
        if path != ":memory:" and not Path(path).resolve().parent.is_dir():
            raise StoreError(f"db: directory of {path!r} does not exist")
        if read_only and path != ":memory:":
            self._conn = sqlite3.connect(
                f"{Path(path).resolve().as_uri()}?mode=ro",
                uri=True,
                timeout=timeout,
                check_same_thread=False,
            )
        else:
            self._conn = sqlite3.connect(path, timeout=timeout, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        if not read_only:  # the writer chose WAL; readers just follow the file
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")

    def create_schema(self, upto: int = LATEST) -> None:
        with self._conn:
            if self._unversioned():  # written before migrations were versioned
                self._adopt()
            self._conn.execute(LEDGER.format(ts="TEXT"))
            done = {row[0] for row in self._conn.execute("SELECT version FROM schema_migrations")}
            for migration in pending(done, upto):
                for statement in migration.statements("sqlite"):
                    self._conn.execute(statement)
                self._record(migration.version, migration.name)

    def _table_names(self, schema: str = "main") -> set[str]:
        return {row[0] for row in self._conn.execute(f"SELECT name FROM {schema}.sqlite_master")}

    def _unversioned(self) -> bool:
        names = self._table_names()
        return bool(names & set(ALL_TABLES)) and "schema_migrations" not in names

    def _adopt(self) -> None:
        """A file from before versioning holds the latest schema or is refused,
        with its name, rather than failing at the first write in the dataflow."""
        names = self._table_names()
        stored = {k: t for k, t in ALL_TABLES.items() if k not in SUMMARY_TABLES}
        for table in stored.values():
            if table.name in names:
                self._check_columns(table.name, table.column_names)
        if missing := sorted(set(stored) - names):
            raise StoreError(f"db: {self.url!r} has no table {', '.join(missing)}; use a new file")
        self._conn.execute(LEDGER.format(ts="TEXT"))
        for migration in MIGRATIONS[:8]:  # the summaries (9 on) are built from its rows
            self._record(migration.version, migration.name)

    def _record(self, version: int, name: str) -> None:
        self._conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name)
        )

    def _check_columns(self, table: str, wanted: tuple[str, ...]) -> None:
        """A file written by an older matchflow fails here, with its name,
        rather than at the first write deep inside the dataflow."""
        present = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
        missing = [c for c in wanted if c not in present]
        if missing:
            raise StoreError(
                f"db: {self.url!r} was written by another version of matchflow "
                f"(table {table} has no {', '.join(missing)}); "
                "use a new file or delete this one"
            )

    def write(self, records: Iterable[Record]) -> int:
        written = 0
        upserts, deletes = group_rows(records)
        with self._conn:
            self._summarise(rows_by_table(upserts), deletes)
            for table, keys in deletes.items():
                self._conn.executemany(delete_sql(table, "?"), keys)
                written += len(keys)
            for (table, columns), rows in upserts.items():
                sql = upsert_sql(table, columns, ["?"] * len(columns))
                self._conn.executemany(sql, [tuple(r[c] for c in columns) for r in rows])
                written += len(rows)
        return written

    def _summarise(self, rows: dict[str, list[dict]], deletes: dict[str, list[tuple]]) -> None:
        """The summaries' share of a write, before its rows replace the old."""

        def select(sql: str, params: dict) -> list[dict]:
            return [dict(r) for r in self._conn.execute(sql, params)]

        for sql, params_rows in summary_statements(rows, deletes, select):
            self._conn.executemany(sql, params_rows)

    def delete_leagues(self, leagues: list[str]) -> int:
        with self._conn:
            return self._delete_leagues(leagues)

    def _delete_leagues(self, leagues: list[str]) -> int:
        marks = ", ".join("?" * len(leagues))
        return sum(
            self._conn.execute(f"DELETE FROM {table} WHERE league IN ({marks})", leagues).rowcount
            for table in LEAGUE_TABLES
        )

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        cursor = self._conn.execute(sql, params or {})
        return [dict(row) for row in cursor.fetchall()]

    def replace_leagues(self, leagues: list[str], paths: list[str]) -> int:
        """Delete the leagues' rows and copy in every row of other matchflow
        files, in one transaction: a reader sees the old rows or the new,
        never neither (a replay's dataflows each write a file of their own:
        see :mod:`stream.recompute`). A file without matchflow's tables was
        never written (its dataflow stopped before it began); when no file
        was, the store stays as it was. Returns the rows copied."""
        names = [f"part{i}" for i in range(len(paths))]
        for name, path in zip(names, paths):  # ATTACH cannot run inside a transaction
            self._conn.execute(f"ATTACH DATABASE ? AS {name}", (path,))
        try:
            written = [name for name in names if set(ALL_TABLES) <= self._table_names(name)]
            if not written:
                return 0
            with self._conn:
                self._delete_leagues(leagues)
                return sum(self._copy_from(name) for name in written)
        finally:
            for name in names:
                self._conn.execute(f"DETACH DATABASE {name}")

    def _copy_from(self, schema: str) -> int:
        copied = 0
        for table in ALL_TABLES.values():
            columns = ", ".join(table.column_names)
            copied += self._conn.execute(
                f"INSERT OR REPLACE INTO main.{table.name} ({columns}) "
                f"SELECT {columns} FROM {schema}.{table.name}"
            ).rowcount
        return copied

    def data_version(self) -> object | None:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self._conn.close()

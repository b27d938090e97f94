"""PostgreSQL store (psycopg 3): a connection pool, batched upserts through
COPY into a temporary table, versioned migrations, TimescaleDB when present."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from psycopg import sql as pgsql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from stream.config import TimescaleSettings
from stream.records import Record
from stream.storage import pg_parts
from stream.storage.base import (
    LEAGUE_TABLES,
    Store,
    StoreError,
    delete_sql,
    group_rows,
    on_conflict,
)
from stream.storage.migrations import (
    DAILY_VIEW,
    LATEST,
    LEDGER,
    READER_ROLE,
    TIME_SERIES,
    pending,
    retention_statements,
)
from stream.storage.schema import ALL_TABLES as TABLES
from stream.storage.summaries import rows_by_table, summary_statements
from stream.storage.timescale import decide as decide_timescale
from stream.storage.timescale import installed_in, warm

log = logging.getLogger("matchflow.storage")
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_LOCK_ID = 7_201_911  # advisory lock: one migrator at a time
REFRESH_EVERY = 60.0


def to_psycopg(sql: str) -> str:
    """``:name`` parameters to psycopg's ``%(name)s`` (``::casts`` untouched).

    >>> to_psycopg("SELECT x::text FROM t WHERE a = :a AND b = :b")
    'SELECT x::text FROM t WHERE a = %(a)s AND b = %(b)s'
    """
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


# Staging columns and binary COPY types: times travel as ISO text and are cast
# by the server (binary timestamptz would need datetime objects built in Python).
_STAGING_TYPES = {
    "text": "TEXT",
    "float": "DOUBLE PRECISION",
    "int": "BIGINT",
    "ts": "TEXT",
    "blob": "BYTEA",
}
_COPY_TYPES = {"text": "text", "float": "float8", "int": "int8", "ts": "text", "blob": "bytea"}


def _staging_ddl(table: str) -> str:
    columns = ", ".join(f"{name} {_STAGING_TYPES[kind]}" for name, kind in TABLES[table].columns)
    return f"CREATE TEMP TABLE IF NOT EXISTS staging_{table} ({columns}) ON COMMIT DELETE ROWS"


def _upsert_from(table: str, columns: tuple[str, ...]) -> str:
    kinds = dict(TABLES[table].columns)
    selected = ", ".join(f"{c}::timestamptz" if kinds[c] == "ts" else c for c in columns)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {selected} FROM staging_{table} "
        + on_conflict(table, columns)
    )


def _part_schema(url: str) -> str:
    return pg_parts.url_options(url).split("search_path=", 1)[1].split(",", 1)[0]


class PostgresStore(Store):
    dialect = "postgres"

    def __init__(
        self,
        url: str,
        pool_size: int = 4,
        retention_days: int | None = None,
        reader_password: str | None = None,
        timeout: float | None = None,
        timescale: str | None = None,
        serving: bool = False,
    ) -> None:
        self.url = url
        self.reader_password = reader_password
        self.retention_days = retention_days
        # auto | require | off (MATCHFLOW_TIMESCALE), read where a caller did not say
        self.timescale_mode = timescale or TimescaleSettings().timescale
        self.timescale = False
        self._last_refresh = time.monotonic()
        self._dirty = False  # wrote since the last refresh of the daily view
        self._staged: WeakKeyDictionary[psycopg.Connection, set[str]] = WeakKeyDictionary()
        # a server only reads: autocommit spares each query its BEGIN and COMMIT
        options: dict[str, Any] = {"autocommit": serving, "connect_timeout": 10}
        # a part being built (stream/storage/pg_parts.py) names its schema in
        # the URL's options: kept, and it refreshes and retains nothing
        self.building = pg_parts.building(url)
        settings = [pg_parts.url_options(url)] if self.building else []
        if timeout is not None:  # the server ends a statement that runs longer
            settings.append(f"-c statement_timeout={int(timeout * 1000)}")
            options["connect_timeout"] = max(int(timeout), 1)
        if serving:
            # a server's statements are prepared after five runs, and the sixth
            # would build a generic plan over every chunk (50 ms on TimescaleDB)
            # to compare it with the custom ones: always plan for the values
            settings.append("-c plan_cache_mode=force_custom_plan")
        if settings:
            options["options"] = " ".join(settings)
        try:
            psycopg.connect(url, connect_timeout=10).close()  # fail fast, with the reason
            self._pool = ConnectionPool(
                url,
                # a server opens them all at start: none is made (and its
                # catalog caches filled) while a request waits
                min_size=pool_size if serving else 1,
                max_size=pool_size,
                open=True,
                timeout=timeout or 30,
                kwargs=options,
                configure=(lambda conn: warm(conn, TIME_SERIES)) if serving else None,
            )
            self._pool.wait(timeout=30)
            with self._pool.connection() as conn:  # a writer's create_schema may decide anew
                self.timescale = installed_in(conn)
        except Exception as exc:
            raise StoreError(f"db: cannot connect to {url!r}: {exc}") from None

    # -- schema ---------------------------------------------------------------
    def create_schema(self, upto: int = LATEST) -> None:
        with self._pool.connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            conn.execute(LEDGER.format(ts="TIMESTAMPTZ"))
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            self.timescale = decide_timescale(conn, self.timescale_mode, created=2 in done)
            applied = pending(done, upto)
            for migration in applied:
                for statement in migration.statements("postgres", self.timescale):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
            # the daily aggregate (version 2 on, rebuilt by 12) fills at the next refresh
            self._dirty = self._dirty or any(m.version >= 2 for m in applied)
            self._apply_retention(conn)
            if self.reader_password:
                self._enable_reader_login(conn)

    def _apply_retention(self, conn: psycopg.Connection) -> None:
        """Retention is a setting, not a schema step: applied at every start,
        so changing ``MATCHFLOW_RETENTION_DAYS`` takes effect at the next one."""
        if self.retention_days is None or self.building:  # not this opener's business
            return
        if not self.timescale:
            if self.retention_days > 0:
                log.warning(
                    "retention_days=%d needs TimescaleDB; keeping every row", self.retention_days
                )
            return
        for statement in retention_statements(self.retention_days):
            conn.execute(statement)

    def _enable_reader_login(self, conn: psycopg.Connection) -> None:
        """Give the read-only role a password (utility statements take no
        bind parameters, hence the quoted literal)."""
        conn.execute(
            pgsql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
                pgsql.Identifier(READER_ROLE), pgsql.Literal(self.reader_password)
            )
        )

    # -- writes ---------------------------------------------------------------
    def write(self, records: Iterable[Record]) -> int:
        groups, deletes = group_rows(records)
        if not groups and not deletes:
            return 0
        written = 0
        created: list[str] = []
        with self._pool.connection() as conn:
            staged = self._staged.setdefault(conn, set())
            self._summarise(conn, rows_by_table(groups), deletes)
            for table, keys in deletes.items():
                with conn.cursor() as cursor:
                    cursor.executemany(delete_sql(table, "%s"), keys)
                written += len(keys)
            for (table, columns), rows in groups.items():
                if table not in staged:  # once per session; emptied by every commit
                    conn.execute(_staging_ddl(table))
                    created.append(table)
                kinds = dict(TABLES[table].columns)
                with conn.cursor().copy(
                    f"COPY staging_{table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.set_types([_COPY_TYPES[kinds[c]] for c in columns])
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
                conn.execute(_upsert_from(table, columns))
                written += len(rows)
        staged.update(created)  # only now: a rolled-back transaction created nothing
        self._dirty = True
        self._maybe_refresh()
        return written

    @staticmethod
    def _summarise(
        conn: psycopg.Connection, rows: dict[str, list[dict]], deletes: dict[str, list[tuple]]
    ) -> None:
        """The summaries' share of a write, before its rows replace the old."""

        def select(sql: str, params: dict) -> list[dict]:
            return conn.cursor(row_factory=dict_row).execute(to_psycopg(sql), params).fetchall()

        for sql, params_rows in summary_statements(rows, deletes, select):
            with conn.cursor() as cursor:
                cursor.executemany(to_psycopg(sql), params_rows)

    def delete_leagues(self, leagues: list[str]) -> int:
        removed = 0
        with self._pool.connection() as conn:
            for table in LEAGUE_TABLES:
                removed += conn.execute(
                    f"DELETE FROM {table} WHERE league = ANY(%s)", (list(leagues),)
                ).rowcount
        self._dirty = True
        self._maybe_refresh(force=True)
        return removed

    def build_beside(self, count: int) -> list[str]:
        """``count`` parts to write a recompute into: their URLs."""
        schemas = [f"{pg_parts.PREFIX}{os.getpid()}_{i}" for i in range(count)]
        with self._pool.connection() as conn:
            home = pg_parts.prepare(conn, schemas)
        return [pg_parts.in_schema(self.url, schema, home) for schema in schemas]

    def replace_leagues(self, leagues: list[str], parts: list[str]) -> int:
        """The leagues' rows swapped for the parts', in one transaction; the
        parts dropped. Readers see the old rows until the commit."""
        schemas = [_part_schema(part) for part in parts]
        with self._pool.connection() as conn:
            home = pg_parts.current_schema(conn)
            copied = pg_parts.swap_in(conn, leagues, schemas, home)
        self._dirty = True
        self._maybe_refresh(force=True)
        return copied

    def drop_parts(self, parts: list[str]) -> None:
        with self._pool.connection() as conn:
            pg_parts.drop(conn, [_part_schema(part) for part in parts])

    def _maybe_refresh(self, force: bool = False) -> None:
        """Keep the daily aggregate near live: the fallback's materialized view
        is recomputed; TimescaleDB's continuous aggregate (real-time, so rows
        past its last refresh show anyway) re-materializes what writes and
        deletes invalidated, so a re-replay leaves no stale buckets."""
        due = force or time.monotonic() - self._last_refresh >= REFRESH_EVERY
        if not self._dirty or not due or self.building:
            return
        self._last_refresh, self._dirty = time.monotonic(), False
        with self._pool.connection() as conn:
            if not self.timescale:
                conn.execute(f"REFRESH MATERIALIZED VIEW {DAILY_VIEW}")
                return
            conn.commit()  # a procedure that refreshes cannot run inside a transaction
            conn.autocommit = True
            try:
                conn.execute(f"CALL refresh_continuous_aggregate('{DAILY_VIEW}', NULL, NULL)")
            finally:
                conn.autocommit = False

    # -- reads ----------------------------------------------------------------
    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            return list(cursor.execute(to_psycopg(sql), params or {}).fetchall())

    def close(self) -> None:
        try:
            self._maybe_refresh(force=True)
        finally:
            self._pool.close()

"""Whether a PostgreSQL store uses TimescaleDB, decided once, without crashing.

A server can list ``timescaledb`` in ``pg_available_extensions`` and still
refuse ``CREATE EXTENSION`` ("must be preloaded"): that is every server
between installing the package and editing ``postgresql.conf``, and the refusal
is FATAL (it ends the connection, so no savepoint can catch it). So a new
store asks the server whether the library is preloaded before trying, tries
the extension inside a savepoint (a plain ERROR, such as a missing privilege,
is caught there), and otherwise falls back to plain tables (with the
``time_bucket`` fallback of migration 2), saying why and what would fix it.
A store keeps the kind it was created with: the extension in its database
says which.

>>> PRELOAD_FIX
"add shared_preload_libraries = 'timescaledb' to postgresql.conf and restart PostgreSQL"
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import psycopg

from stream.storage.base import StoreError

log = logging.getLogger("matchflow.storage")

PRELOAD_FIX = (
    "add shared_preload_libraries = 'timescaledb' to postgresql.conf and restart PostgreSQL"
)
INSTALL_FIX = (
    "install TimescaleDB (your distribution's or Timescale's packages, or the "
    "timescale/timescaledb image of docker-compose.yml) and preload it"
)
_said: set[str] = set()  # one line per process and reason, not one per store opened


def _say(line: str, warning: bool) -> None:
    if line not in _said:
        _said.add(line)
        (log.warning if warning else log.info)(line)


def installed_in(conn: psycopg.Connection) -> bool:
    """The database has the extension: its time series are hypertables."""
    return (
        conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
        is not None
    )


def _preloaded(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
    libraries = row[0] if row else ""
    names = (name.strip().strip('"').rsplit("/", 1)[-1] for name in libraries.split(","))
    return "timescaledb" in names


def _why_not(conn: psycopg.Connection) -> tuple[str, str] | None:
    """None when ``CREATE EXTENSION timescaledb`` succeeded (in this
    transaction), else the reason and the fix."""
    available = conn.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    if not available:
        return "the server has no timescaledb extension", INSTALL_FIX
    if not _preloaded(conn):
        return "the server does not preload it (shared_preload_libraries)", PRELOAD_FIX
    try:
        with conn.transaction():  # a savepoint: a refusal leaves the migration going
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"CREATE EXTENSION timescaledb failed ({first})", PRELOAD_FIX
    return None


def warm(conn: psycopg.Connection, tables: Iterable[str]) -> None:
    """Plan a query on each hypertable once, so that a new connection loads
    its chunks' catalog entries now (35-60 ms a table) rather than during
    the first request that reads it; leaves the connection idle. A table
    not there yet (a store not migrated) is skipped: its reads will say so."""
    if installed_in(conn):
        for name in tables:
            try:
                conn.execute(f"EXPLAIN SELECT * FROM {name} WHERE league = '' AND match_id = ''")
            except psycopg.errors.UndefinedTable:
                conn.rollback()
    conn.rollback()


def decide(conn: psycopg.Connection, mode: str, created: bool) -> bool:
    """True for TimescaleDB hypertables. ``created``: the store's time-series
    step (migration 2) already ran, so its kind is settled."""
    if created:
        timescale = installed_in(conn)
        if timescale and not _preloaded(conn):
            raise StoreError(
                "this store was created with TimescaleDB and the server no longer "
                f"preloads it; to fix: {PRELOAD_FIX}"
            )
        if not timescale and mode == "require":
            raise StoreError(
                "MATCHFLOW_TIMESCALE=require: this store was created with plain tables and "
                "stays plain; use a new database for TimescaleDB"
            )
        _say(
            "PostgreSQL store: "
            + (
                "TimescaleDB hypertables"
                if timescale
                else "plain tables (created without TimescaleDB)"
            ),
            warning=False,
        )
        return timescale
    if mode == "off":
        _say("PostgreSQL store: plain tables (MATCHFLOW_TIMESCALE=off)", warning=False)
        return False
    refusal = _why_not(conn)
    if refusal is None:
        _say("PostgreSQL store: TimescaleDB hypertables", warning=False)
        return True
    reason, fix = refusal
    if mode == "require":
        raise StoreError(f"MATCHFLOW_TIMESCALE=require: {reason}; to fix: {fix}")
    _say(
        f"TimescaleDB not used: {reason}; plain tables instead. To use it: {fix} "
        "(MATCHFLOW_TIMESCALE=off keeps plain tables without this line)",
        warning=True,
    )
    return False

"""Stores behind one interface: SQLite (embedded default) and PostgreSQL,
opened by URL.

>>> store = open_store("sqlite:///:memory:")
>>> store.count("matches")
0
>>> open_store("mysql://x")
Traceback (most recent call last):
...
stream.storage.base.StoreError: db: unsupported URL 'mysql://x' (use sqlite:///FILE or postgresql://...)
"""

from __future__ import annotations

from pathlib import Path

from stream.storage.base import Store, StoreError, check_schema, schema_behind

__all__ = ["Store", "StoreError", "check_schema", "open_store", "schema_behind"]


def open_store(
    url: str,
    create: bool = True,
    timeout: float | None = None,
    read_only: bool = False,
    reader_password: str | None = None,
    retention_days: int | None = None,
    timescale: str | None = None,
    serving: bool = False,
) -> Store:
    """Open the store a URL names: ``sqlite:///path`` or ``postgresql://...``.

    ``create`` applies the migrations a database lacks (writers only);
    ``timeout`` bounds each wait: SQLite's busy wait, PostgreSQL's statements
    and pool (the API's 2 s), None keeps the writers' patient defaults;
    ``read_only`` opens a SQLite file read-only (on PostgreSQL, the URL's role
    decides). ``reader_password`` gives the read-only role a login and
    ``retention_days`` sets TimescaleDB's retention (0: keep every row; None
    leaves it as it is), both when creating; ``timescale`` is auto, require or
    off for a new PostgreSQL store (None: ``MATCHFLOW_TIMESCALE``);
    ``serving`` makes PostgreSQL's pool a server's (the API's): every
    connection opened and warmed at start, reads in autocommit (one round
    trip each, not three), plans made for the values given.
    """
    if url.startswith("sqlite:"):
        from stream.storage.sqlite import SQLiteStore, sqlite_path  # no psycopg for SQLite

        path = sqlite_path(url)
        if not create and path != ":memory:" and not Path(path).is_file():
            raise StoreError(f"db: no store at {path!r} (run a replay first)")
        store: Store = SQLiteStore(
            url, timeout=60.0 if timeout is None else timeout, read_only=read_only
        )
    elif url.startswith(("postgresql:", "postgres:")):
        from stream.storage.postgres import PostgresStore

        store = PostgresStore(
            url,
            reader_password=reader_password,
            retention_days=retention_days,
            timeout=timeout,
            timescale=timescale,
            serving=serving,
        )
    else:
        raise StoreError(f"db: unsupported URL {url!r} (use sqlite:///FILE or postgresql://...)")
    if create and not read_only:
        store.create_schema()
    return store

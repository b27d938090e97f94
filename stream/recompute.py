"""A league's recompute that readers see whole.

A replay into an existing store recomputes its leagues. Written in place, a
reader would see the league vanish (its rows deleted first) and then grow
back batch by batch. Instead each dataflow writes a part of its own beside
the store, and at the end one transaction deletes the leagues' old rows and
copies the new ones in. A reader sees the old rows until that commit, then
the new ones.

* SQLite: a file beside the store, ``<file>.part<i>``
  (:meth:`stream.storage.sqlite.SQLiteStore.replace_leagues`).
* PostgreSQL: a schema in the store's database, ``matchflow_part_<pid>_<i>``
  (:mod:`stream.storage.pg_parts`).

Stopped early (Ctrl-C), the replay swaps in what it wrote up to the stop, as
a replay into a new store would hold. Failed or killed, it leaves the store
as it was; its parts are removed on the way out, or (killed) a SQLite part by
the next replay into that store and a PostgreSQL schema by hand
(``DROP SCHEMA matchflow_part_... CASCADE``).

>>> builds_beside("sqlite:///m.db"), builds_beside("sqlite:///:memory:")
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def builds_beside(db_url: str) -> bool:
    """Whether a recompute into this store is built beside it and swapped in
    (an in-memory store has nobody to hide a recompute from)."""
    return db_url.startswith("postgresql") or (
        db_url.startswith("sqlite:") and not db_url.endswith(":memory:")
    )


@contextmanager
def beside(db_url: str, count: int) -> Iterator[list[str]]:
    """Where each of ``count`` dataflows writes: a part of its own beside
    the store (the store itself when it is not :func:`builds_beside`),
    removed on the way out."""
    if not builds_beside(db_url):
        yield [db_url] * count
        return
    if db_url.startswith("sqlite:"):
        parts = [f"{db_url}.part{i}" for i in range(count)]
    else:
        with _postgres(db_url) as store:
            parts = store.build_beside(count)
    try:
        yield parts
    finally:
        _remove(db_url, parts)


def swap_in(db_url: str, leagues: list[str], parts: list[str]) -> None:
    """The leagues' old rows out and the parts' rows in, in one transaction."""
    if not builds_beside(db_url):
        return
    if db_url.startswith("sqlite:"):
        from stream.storage.sqlite import SQLiteStore, sqlite_path

        sqlite = SQLiteStore(db_url)
        try:
            sqlite.create_schema()
            sqlite.replace_leagues(leagues, [sqlite_path(part) for part in parts])
        finally:
            sqlite.close()
        return
    with _postgres(db_url) as store:
        store.replace_leagues(leagues, parts)


def remove_stale_parts(db_url: str) -> None:
    """SQLite part files a killed replay left beside the store."""
    if not db_url.startswith("sqlite:") or not builds_beside(db_url):
        return
    from stream.storage.sqlite import sqlite_path

    path = Path(sqlite_path(db_url))
    for stale in path.parent.glob(f"{path.name}.part*"):
        stale.unlink(missing_ok=True)


def _remove(db_url: str, parts: list[str]) -> None:
    if db_url.startswith("postgresql"):
        with _postgres(db_url) as store:
            store.drop_parts(parts)
        return
    from stream.storage.sqlite import sqlite_path

    for part in parts:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(sqlite_path(part) + suffix).unlink(missing_ok=True)


@contextmanager
def _postgres(db_url: str):
    from stream.storage.postgres import PostgresStore

    store = PostgresStore(db_url, pool_size=1)
    try:
        yield store
    finally:
        store.close()

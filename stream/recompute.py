"""A league's recompute that readers see whole.

A replay into an existing SQLite store recomputes its leagues. Written in
place, a reader would see the league vanish (its rows deleted first) and then
grow back batch by batch. Instead each dataflow writes a file of its own
beside the store (``<file>.part<i>``), and at the end one transaction deletes
the leagues' old rows and copies the new ones in
(:meth:`stream.storage.sqlite.SQLiteStore.replace_leagues`). A reader sees
the old rows until that commit, then the new ones.

Stopped early (Ctrl-C), the replay swaps in what it wrote up to the stop, as a
replay into a new file would hold. Killed, it leaves the store as it was and
its part files behind; the next replay into that store removes them.

PostgreSQL stores are written in place (several processes write one database
side by side); see the README's "Storage".

>>> part_urls("sqlite:///m.db", 2)
['sqlite:///m.db.part0', 'sqlite:///m.db.part1']
>>> part_urls("postgresql://host/db", 2)
['postgresql://host/db', 'postgresql://host/db']
"""

from __future__ import annotations

from pathlib import Path


def builds_beside(db_url: str) -> bool:
    """Whether a recompute into this store is built beside it and swapped in."""
    return db_url.startswith("sqlite:") and not db_url.endswith(":memory:")


def part_urls(db_url: str, count: int) -> list[str]:
    """Where each of ``count`` dataflows writes: a file of its own beside a
    SQLite store, the store itself otherwise."""
    if not builds_beside(db_url):
        return [db_url] * count
    return [f"{db_url}.part{i}" for i in range(count)]


def swap_in(db_url: str, leagues: list[str], parts: list[str]) -> None:
    """The leagues' old rows out and the parts' rows in, in one transaction."""
    from stream.storage.sqlite import SQLiteStore, sqlite_path

    store = SQLiteStore(db_url)
    try:
        store.create_schema()
        store.replace_leagues(leagues, [sqlite_path(part) for part in parts])
    finally:
        store.close()


def remove_stale_parts(db_url: str) -> None:
    """Part files a killed replay left beside the store."""
    from stream.storage.sqlite import sqlite_path

    path = Path(sqlite_path(db_url))
    for stale in path.parent.glob(f"{path.name}.part*"):
        stale.unlink(missing_ok=True)


def remove_parts(db_url: str, parts: list[str]) -> None:
    """The part files and their journals (nothing for a store written in place)."""
    from stream.storage.sqlite import sqlite_path

    for part in parts:
        if part == db_url:
            continue
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(sqlite_path(part) + suffix).unlink(missing_ok=True)

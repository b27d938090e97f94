"""Frozen migrations: a database created at version 1 and migrated equals a
fresh one, and both hold every column the writers use, on both backends."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from stream.storage import open_store
from stream.storage.migrations import LATEST, MIGRATIONS
from stream.storage.schema import ALL_TABLES
from tests.support.stores import PG_KINDS, new_database


def _sqlite_schema(url: str) -> dict[str, Any]:
    """Each table's columns (name, type, primary-key position) and each index's SQL."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        objects = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "AND name != 'schema_migrations'"
        ).fetchall()
        schema: dict[str, Any] = {}
        for kind, name, sql in objects:
            if kind == "table":
                info = conn.execute(f"PRAGMA table_info({name})").fetchall()
                schema[name] = sorted((c[1], c[2], c[5]) for c in info)
            else:
                schema[name] = sql
    return schema


def _postgres_schema(url: str) -> dict[str, Any]:
    with open_store(url, create=False) as store:
        columns = store.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name != 'schema_migrations'"
        )
        keys = store.fetch(
            "SELECT tc.table_name, kcu.column_name, kcu.ordinal_position "
            "FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu USING (constraint_name, table_schema) "
            "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()"
        )
        indexes = store.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        )
        views = store.fetch("SELECT matviewname FROM pg_matviews")
        functions = store.fetch(
            "SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace"
        )
    schema: dict[str, Any] = {}
    for row in columns:
        schema.setdefault(row["table_name"], set()).add((row["column_name"], row["data_type"]))
    schema["keys"] = sorted(
        (k["table_name"], k["column_name"], k["ordinal_position"]) for k in keys
    )
    schema["indexes"] = sorted((i["indexname"], i["indexdef"]) for i in indexes)
    schema["views"] = sorted(v["matviewname"] for v in views)
    schema["functions"] = sorted(f["proname"] for f in functions)
    return schema


def _versions(url: str) -> list[int]:
    with open_store(url, create=False) as store:
        rows = store.fetch("SELECT version FROM schema_migrations ORDER BY version")
    return [r["version"] for r in rows]


@pytest.fixture(params=["sqlite", *PG_KINDS])
def two_urls(request, tmp_path):
    """Two empty databases of one backend (SQLite, or a PostgreSQL of a kind)."""
    if request.param == "sqlite":
        return request.param, [f"sqlite:///{tmp_path / name}.db" for name in ("old", "new")]
    cluster = request.getfixturevalue("pg_clusters").get(request.param)
    return "postgres", [new_database(cluster), new_database(cluster)]


def test_a_database_migrated_from_version_1_equals_a_fresh_one(two_urls):
    kind, (old, fresh) = two_urls
    if kind == "sqlite":
        sqlite3.connect(old.removeprefix("sqlite:///")).close()  # an empty file
    with open_store(old, create=False) as store:
        store.create_schema(upto=1)
    assert _versions(old) == [1]
    open_store(old).close()  # a writer starts: versions 2 to LATEST
    open_store(fresh).close()
    read = _sqlite_schema if kind == "sqlite" else _postgres_schema
    assert _versions(old) == _versions(fresh) == [m.version for m in MIGRATIONS]
    assert read(old) == read(fresh)
    assert MIGRATIONS[-1].version == LATEST


def test_the_migrated_schema_has_every_column_the_writers_use(two_urls):
    kind, (url, _) = two_urls
    open_store(url).close()
    schema = _sqlite_schema(url) if kind == "sqlite" else _postgres_schema(url)
    for table in ALL_TABLES.values():
        present = {c[0] for c in schema[table.name]}
        assert present == set(table.column_names), table.name


def test_a_reader_is_told_when_the_store_is_behind(tmp_path):
    from stream.storage import schema_behind

    url = f"sqlite:///{tmp_path / 'behind.db'}"
    with open_store(url) as store:
        assert schema_behind(store) is None
    with sqlite3.connect(tmp_path / "behind.db") as conn:
        conn.execute("DELETE FROM schema_migrations WHERE version = ?", (LATEST,))
    with open_store(url, create=False, read_only=True) as store:
        said = schema_behind(store)
    assert said and f"version {LATEST - 1}," in said and "matchflow migrate" in said

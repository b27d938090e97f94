"""A PostgreSQL store's recompute built beside it: each dataflow of a replay
writes tables of its own, in a schema of its own (``matchflow_part_*``), and
one transaction swaps the leagues' old rows for theirs
(:mod:`stream.recompute` says why).

A part's tables are copies of the store's (``LIKE``: columns, keys, indexes),
plain even where the store's are hypertables, and its ``schema_migrations``
says it is current, so the store opened on the part's URL writes there and
migrates nothing. The URL's ``search_path`` names the part first and the
store's schema second (functions such as ``time_bucket`` live there).

>>> in_schema("postgresql://u@h:5432/db", "matchflow_part_7_0", "public")
'postgresql://u@h:5432/db?options=-c%20search_path%3Dmatchflow_part_7_0%2Cpublic'
>>> building("postgresql://u@h/db?options=-c%20search_path%3Dmatchflow_part_7_0%2Cpublic")
True
"""

from __future__ import annotations

from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from stream.storage.base import LEAGUE_TABLES
from stream.storage.schema import ALL_TABLES

PREFIX = "matchflow_part_"


def in_schema(url: str, schema: str, home: str) -> str:
    """The store's URL with ``schema`` first on the search path."""
    options = quote(f"-c search_path={schema},{home}", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={options}"


def url_options(url: str) -> str:
    """The ``options`` a URL gives libpq (kept when the store adds its own)."""
    return str(conninfo_to_dict(url).get("options") or "")


def building(url: str) -> bool:
    """Whether the URL names a part being built (its store refreshes and
    retains nothing: the real store does, after the swap)."""
    return f"search_path={PREFIX}" in url_options(url)


def prepare(conn: psycopg.Connection, schemas: list[str]) -> str:
    """Create each part's schema and empty tables; returns the store's schema."""
    home = current_schema(conn)
    for schema in schemas:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        for table in ["schema_migrations", *ALL_TABLES]:
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {}.{} (LIKE {}.{} INCLUDING DEFAULTS "
                    "INCLUDING CONSTRAINTS INCLUDING INDEXES)"
                ).format(*[sql.Identifier(n) for n in (schema, table, home, table)])
            )
        conn.execute(
            sql.SQL("INSERT INTO {}.schema_migrations SELECT * FROM {}.schema_migrations").format(
                sql.Identifier(schema), sql.Identifier(home)
            )
        )
    return home


def swap_in(conn: psycopg.Connection, leagues: list[str], schemas: list[str], home: str) -> int:
    """In the caller's transaction: the leagues' rows out of the store, every
    part's rows in; returns the rows copied."""
    for league_table in LEAGUE_TABLES:
        conn.execute(
            sql.SQL("DELETE FROM {}.{} WHERE league = ANY(%s)").format(
                sql.Identifier(home), sql.Identifier(league_table)
            ),
            (list(leagues),),
        )
    copied = 0
    for schema in schemas:
        for name, table in ALL_TABLES.items():
            columns = _names(table.column_names)
            updates = [c for c in table.column_names if c not in table.key]
            action = (
                sql.SQL("DO UPDATE SET ")
                + sql.SQL(", ").join(
                    sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c)) for c in updates
                )
                if updates
                else sql.SQL("DO NOTHING")
            )
            copied += conn.execute(
                sql.SQL(
                    "INSERT INTO {home}.{t} ({cols}) SELECT {cols} FROM {part}.{t} "
                    "ON CONFLICT ({key}) {action}"
                ).format(
                    home=sql.Identifier(home),
                    t=sql.Identifier(name),
                    cols=columns,
                    part=sql.Identifier(schema),
                    key=_names(table.key),
                    action=action,
                )
            ).rowcount
    return copied


def current_schema(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT current_schema()").fetchone()
    assert row is not None
    return str(row[0])


def _names(names: tuple[str, ...]) -> sql.Composed:
    return sql.SQL(", ").join([sql.Identifier(n) for n in names])


def drop(conn: psycopg.Connection, schemas: list[str]) -> None:
    for schema in schemas:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))

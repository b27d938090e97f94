"""Stores behind one interface: SQLite (embedded default) and PostgreSQL."""

from stream.storage.base import Store, open_store

__all__ = ["Store", "open_store"]

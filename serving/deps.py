"""FastAPI dependencies as ``Annotated`` aliases: settings, the database, live models.

Every store call runs on a small pool of worker threads (:class:`Database`),
never on the event loop, and gives up after ``timeout`` seconds: a locked
SQLite file or a paused PostgreSQL costs the request a 503 with
``Retry-After``, not the whole server its ``/health``. SQLite connections are
per thread; PostgreSQL shares one pool with a server-side statement timeout.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from serving.live import LiveModels
from stream.config import Settings
from stream.storage import Store, StoreError, open_store
from stream.storage.sqlite import sqlite_path

TIMEOUT = 2.0  # seconds a request waits for the store before its 503
# Documented on every router that reads the store, and on the routes that take a body.
STORE_RESPONSES: dict[int | str, dict] = {
    503: {
        "description": "the store did not answer within 2 s, or is gone; retry after "
        "Retry-After seconds"
    }
}
BODY_RESPONSES: dict[int | str, dict] = {
    400: {"description": "the body is not JSON (not even UTF-8)"},
    408: {"description": "the body did not arrive within 10 s"},
    413: {"description": "the body is larger than the route accepts"},
}


def bad_query(name: str, message: str) -> RequestValidationError:
    """A 422 shaped like FastAPI's own, for a check FastAPI cannot make."""
    return RequestValidationError([{"type": "value_error", "loc": ("query", name), "msg": message}])


class StoreUnavailable(StoreError):
    """The store did not answer in time, or not at all: a 503, worth a retry."""


def _identity(path: str) -> tuple[int, int]:
    try:
        info = os.stat(path)
    except OSError:
        raise StoreUnavailable(f"db: the SQLite file {path!r} is gone") from None
    return info.st_dev, info.st_ino


class StoreProvider:
    """A store per thread on SQLite, opened read-only (reopened when the file
    is replaced), one pooled store on PostgreSQL (through the role its URL
    names: the read-only ``matchflow_reader`` in the compose stack)."""

    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        self._local = threading.local()
        self._shared: Store | None = None
        self._path = sqlite_path(url) if url.startswith("sqlite:") else None
        if self._path is None:  # never migrates: the writer (or `matchflow migrate`) does
            self._shared = open_store(url, create=False, timeout=timeout, serving=True)

    def get(self) -> Store:
        if self._shared is not None:
            return self._shared
        return self._thread_store("store", self.timeout)

    def data_version(self) -> object | None:
        """The store's data version, from a connection that never waits for a
        lock (it runs on the event loop): raises at once when locked."""
        if self._shared is not None:
            return self._shared.data_version()
        store = self._thread_store("probe", 0.0)
        # a replaced file starts its own count: the file's identity is part of it
        return (self._local.probe_id, store.data_version())

    def _thread_store(self, name: str, timeout: float) -> Store:
        path = self._path
        identity = _identity(path) if path is not None and path != ":memory:" else None
        store, known = getattr(self._local, name, None), getattr(self._local, f"{name}_id", None)
        if store is None or known != identity:
            if store is not None:
                store.close()  # the file was replaced: serve the new one
            store = open_store(self.url, create=False, timeout=timeout, read_only=True)
            setattr(self._local, name, store)
            setattr(self._local, f"{name}_id", identity)
        return store

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()


def _driver_errors() -> tuple[type[BaseException], ...]:
    import psycopg  # imported here: only a server process needs it loaded
    from psycopg_pool import PoolTimeout

    return (sqlite3.Error, psycopg.Error, PoolTimeout)


class Database:
    """``await db(fn, *args)`` runs ``fn(store, *args)`` on a worker thread
    with that thread's store; a driver error or no answer within ``timeout``
    raises :class:`StoreUnavailable`."""

    def __init__(self, stores: StoreProvider, timeout: float = TIMEOUT, workers: int = 8) -> None:
        self.stores = stores
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="db")
        self._errors = _driver_errors()

    def _run(self, fn: Callable[..., Any], args: tuple) -> Any:
        try:
            return fn(self.stores.get(), *args)
        except self._errors as exc:
            raise StoreUnavailable(f"db: {type(exc).__name__}: {str(exc)[:200]}") from None

    async def __call__(self, fn: Callable[..., Any], *args: Any) -> Any:
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._run, fn, args)
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise StoreUnavailable(f"db: no answer within {self.timeout:g} s") from None

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.stores.close()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_live(request: Request) -> LiveModels:
    return request.app.state.live


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Database, Depends(get_db)]
LiveDep = Annotated[LiveModels, Depends(get_live)]

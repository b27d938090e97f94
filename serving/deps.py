"""FastAPI dependencies as ``Annotated`` aliases: settings, store, live models.

Read routes are ``async`` and query the store inline: each query takes well
under a millisecond, while a thread pool's hand-offs under load (threads
queueing for the GIL) cost tens of milliseconds at the tail. Only
``POST /events``, which waits for Kafka, runs in the pool."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from serving.live import LiveModels
from stream.config import Settings
from stream.storage import Store, open_store


class StoreProvider:
    """SQLite connections are per thread; PostgreSQL shares one pooled store."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._shared: Store | None = None
        if not url.startswith("sqlite:"):
            self._shared = open_store(url)
        else:
            open_store(url).close()  # create the schema once, up front

    def get(self) -> Store:
        if self._shared is not None:
            return self._shared
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = open_store(self.url, create=False)
        return store

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_store(request: Request) -> Store:
    return request.app.state.stores.get()


async def get_live(request: Request) -> LiveModels:
    return request.app.state.live


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
LiveDep = Annotated[LiveModels, Depends(get_live)]

"""A response cache in front of hot read routes, keyed by request and data version.

A page is served from the cache while the store's data version is the one it
was made at, and for ``ttl`` seconds (one by default) after it was made
whatever happens; while one request remakes an expired page, the others get
the old one for at most ``STALE_GRACE`` seconds more. "Made" is when its query
began, so a page is never more than ``ttl + STALE_GRACE`` (2 s) behind the
store it was read from. On SQLite the
version is ``PRAGMA data_version``, which changes whenever the dataflow's
writer commits; PostgreSQL has no such counter, so there pages live ``ttl``.

An expired page goes on being served while one request makes the new one
(stale-while-revalidate), unless the SQLite file itself was replaced or the
version is unknown: a replay committing many times a second costs one
query per page per ``ttl``, not one per request (a p99 of 47 ms had every
request miss while the store was written).

Entries are bounded in number and in bytes (the oldest go first), and keyed by
the route's own parameters in a fixed order: unknown parameters and their order
cannot fill it with copies of one page.

>>> cache = ResponseCache(ttl=0, max_bytes=8)
>>> cache.put(("k",), ("file", 1), b"page")
>>> cache.get(("k",), ("file", 1)), cache.get(("k",), ("file", 2)), cache.get(("k",), ("file", 2))
(b'page', None, b'page')
>>> cache.get(("k",), ("other file", 1)) is None  # replaced: never the old file's page
True
>>> cache.put(("a",), 1, b"12345"); cache.put(("b",), 1, b"6789")
>>> cache.get(("a",), 1), cache.get(("b",), 1), cache.bytes
(None, b'6789', 4)
>>> normalised(b"status=all&x=1&league=E0&league=SP1", {"league", "status"})
(('league', 'E0'), ('league', 'SP1'), ('status', 'all'))
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute

MAX_BYTES = 32 * 1024 * 1024


def normalised(query: bytes, known: set[str]) -> tuple[tuple[str, str], ...]:
    """The route's own query parameters, sorted: the part of a URL that can
    change its answer."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return tuple(sorted((k, v) for k, v in pairs if k in known))


def _source(version: object) -> object:
    """What a version counts within: a SQLite file's identity, the first item
    of its ``(identity, data_version)``; PostgreSQL's ``None`` is itself."""
    return version[0] if isinstance(version, tuple) else version


@dataclass
class _Entry:
    version: object
    made: float
    body: bytes
    refreshing: float | None = None  # when a request set out to remake it


class ResponseCache:
    REFRESH_WAIT = 2.0  # a remake taking longer than this is presumed failed
    STALE_GRACE = 1.0  # seconds past ``ttl`` an expired page may still be served

    def __init__(self, ttl: float = 1.0, size: int = 1024, max_bytes: int = MAX_BYTES) -> None:
        self.ttl = ttl
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: object) -> bytes | None:
        """The page, or None: then the caller makes it and :meth:`put` s it
        (meanwhile, other callers get the expired page)."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            current = version is not None and entry.version == version
            # another file (replaced, deleted) or an unknown version: never a stale page
            same_source = _source(entry.version) == _source(version)
            if not (
                current
                or (
                    same_source
                    and (
                        now - entry.made <= self.ttl
                        or (
                            entry.refreshing
                            and now - entry.refreshing < self.REFRESH_WAIT
                            and now - entry.made <= self.ttl + self.STALE_GRACE
                        )
                    )
                )
            ):
                entry.refreshing = now  # this caller remakes it
                return None
            self._entries.move_to_end(key)
            return entry.body

    def put(self, key: Hashable, version: object, body: bytes, made: float | None = None) -> None:
        """Keep ``body``; ``made`` is when its query began (default: now)."""
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.bytes += len(body) - (len(old.body) if old else 0)
            made = time.monotonic() if made is None else made
            self._entries[key] = _Entry(version, made, body)
            while len(self._entries) > self.size or self.bytes > self.max_bytes:
                self.bytes -= len(self._entries.popitem(last=False)[1].body)


class CachedRoutes:
    """ASGI middleware: a GET on one of ``paths`` is answered from the cache when
    the same path and query string were answered (200) at the same data
    version; otherwise the app answers and the response is kept. A hit skips
    routing and parameter validation, which cost more than the query itself."""

    def __init__(
        self, app, cache: ResponseCache, paths: dict[str, APIRoute], version: Callable[[], object]
    ) -> None:
        self.app = app
        self.cache = cache
        self.paths = paths  # path -> the route object, so metrics label hits too
        self.version = version
        self.params = {
            path: {p.alias for p in route.dependant.query_params} for path, route in paths.items()
        }
        self.templated = [route for route in paths.values() if "{" in route.path]

    def _route(self, path: str) -> APIRoute | None:
        """The route of a path: by name, or by its pattern where the route has
        path parameters (each value its own entry; only 200s are kept, so
        unknown values never fill the cache)."""
        if route := self.paths.get(path):
            return route
        return next((r for r in self.templated if r.path_regex.match(path)), None)

    async def __call__(self, scope, receive, send) -> None:
        route = self._route(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        key = (path, normalised(scope["query_string"], self.params[route.path]))
        version = self.version()
        hit = self.cache.get(key, version)
        if hit is not None:
            scope["route"] = route
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(hit)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": hit})
            return
        status, chunks, started = [0], [], time.monotonic()

        async def keep(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keep)
        if status[0] == 200:
            self.cache.put(key, version, b"".join(chunks), made=started)

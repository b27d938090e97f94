"""The FastAPI application: ``create_app(settings)``.

Run it with ``matchflow serve --db URL [--kafka HOST:PORT]``.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from models.sealing import TamperedBlob
from serving.cache import CachedRoutes, ResponseCache
from serving.delivery import IdempotencyKeys
from serving.deps import Database, StoreProvider
from serving.docs import mount_docs
from serving.guard import BodyGuard, trimmed_errors
from serving.live import LiveModels
from serving.metrics import ApiMetrics, MetricsMiddleware
from serving.routes import betting, events, health, leagues, matches, models, predictions
from stream.config import Settings
from stream.storage import StoreError

if TYPE_CHECKING:
    from stream.kafka.producer import EventPublisher

DESCRIPTION = """Current predictions of matchflow's online models, scored against the
bookmakers, with paper bets, drift events and model state. Push your own events
with `POST /events` (an `X-API-Key` header is required)."""


class _LazyPublisher:
    """A Kafka producer made on first use (the API also runs without Kafka)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._publisher: EventPublisher | None = None
        self._lock = threading.Lock()

    def __call__(self):
        if self._settings.kafka is None:
            return None
        with self._lock:
            if self._publisher is None:
                from stream.kafka.admin import ensure_topics
                from stream.kafka.producer import EventPublisher

                ensure_topics(self._settings.kafka, [self._settings.topic], timeout=10)
                self._publisher = EventPublisher(self._settings.kafka, self._settings.topic)
        return self._publisher


CACHED_ROUTES = (
    "/predictions",
    "/matches/{match_id}",
    "/leagues",
    "/leagues/{league}/metrics",
    "/bets",
    "/bankroll",
    "/models",
)


def _data_version(app: FastAPI) -> object:
    """The cache key's data version; when the store cannot say (locked, gone),
    a fresh object: a miss, so the request goes to the database and its 503."""
    try:
        return app.state.db.stores.data_version()
    except Exception:
        return object()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API; ``settings`` are the process's (``matchflow serve`` passes
    its own), else built here from the environment."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.db.close()

    app = FastAPI(
        title="matchflow",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )  # no CDN: serving/docs.py
    mount_docs(app)
    app.state.settings = settings
    app.state.db = Database(StoreProvider(settings.db))
    app.state.live = LiveModels(settings.sealing_key())
    app.state.publisher = _LazyPublisher(settings)
    app.state.idempotency = IdempotencyKeys()
    metrics = ApiMetrics()
    for module in (health, predictions, matches, leagues, betting, models, events):
        app.include_router(module.router)
    # the read routes: their pages are shared by every client (a path
    # parameter makes one entry per value, bounded with the rest)
    hot = {
        route.path: route
        for module in (predictions, matches, leagues, betting, models)
        for route in module.router.routes
        if isinstance(route, APIRoute) and route.path in CACHED_ROUTES
    }
    # Middleware added last runs first: metrics see every request, cache hits included.
    app.state.cache = ResponseCache()
    if settings.response_cache:
        app.add_middleware(
            CachedRoutes, cache=app.state.cache, paths=hot, version=lambda: _data_version(app)
        )
    app.add_middleware(BodyGuard, api_key=lambda: app.state.settings.api_key)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    @app.get(
        "/metrics",
        tags=["health"],
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {"example": "matchflow_api_requests_total{...} 3.0"}}}
        },
    )
    def prometheus() -> Response:
        """Prometheus exposition: requests and latency per route."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        """422 with a few errors, never the offending input (it may be huge or
        not even encodable as JSON, like ``inf``)."""
        errors = exc.errors()
        return JSONResponse(
            {"detail": trimmed_errors(list(errors)), "errors": len(errors)}, status_code=422
        )

    @app.exception_handler(StoreError)
    async def store_unavailable(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "2"})

    @app.exception_handler(TamperedBlob)
    async def refused_state(request: Request, exc: TamperedBlob) -> JSONResponse:
        """A model blob whose seal does not match is never unpickled: the
        league has no usable state until the writer publishes a sealed one."""
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "30"})

    return app

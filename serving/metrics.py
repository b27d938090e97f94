"""Prometheus metrics of the API: requests and latency per route."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("matchflow_api_requests_total", "HTTP requests",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("matchflow_api_request_seconds", "HTTP request latency",
                                 ["method", "route"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)


class MetricsMiddleware(BaseHTTPMiddleware):
    """Label by the route template (``/matches/{match_id}``), never the raw path,
    so a scan of random URLs cannot blow up the label set."""

    def __init__(self, app, metrics: ApiMetrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def dispatch(self, request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        self.metrics.requests.labels(request.method, template, str(response.status_code)).inc()
        self.metrics.latency.labels(request.method, template).observe(
            time.perf_counter() - started)
        return response

"""HTTP downloads for feeds: timeouts, retries with exponential backoff on
transient failures (connection errors, 429, 5xx) and conditional requests
(``If-None-Match`` / ``If-Modified-Since``), so an unchanged file costs a 304."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import httpx

log = logging.getLogger("matchflow.feed")
TRANSIENT = {429, 500, 502, 503, 504}


class FetchError(RuntimeError):
    """The download failed after every retry; the poll skips this file."""


class _Transient(Exception):
    """A failure worth retrying: the connection, 429 or a 5xx."""


@dataclass(frozen=True)
class Download:
    body: bytes
    validators: dict[str, str]  # etag / last_modified to send next time


class Fetcher:
    def __init__(
        self,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 2.0,
        client: httpx.Client | None = None,
        sleep=time.sleep,
    ) -> None:
        self.retries, self.backoff, self._sleep = retries, backoff, sleep
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=True,
            headers={"User-Agent": "matchflow-feed (+https://github.com/matchflow)"},
        )

    def get(self, url: str, validators: dict[str, str] | None = None) -> Download | None:
        """The file, or ``None`` if unchanged since ``validators`` were taken."""
        headers = {}
        if validators and validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators and validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        for attempt in range(self.retries + 1):
            try:
                return self._attempt(url, headers)
            except _Transient as exc:
                problem = str(exc)
            if attempt < self.retries:
                delay = self.backoff * 2**attempt
                log.warning("%s: %s; retrying in %.1f s", url, problem, delay)
                self._sleep(delay)
        raise FetchError(f"{url}: {problem} (after {self.retries + 1} attempts)")

    def _attempt(self, url: str, headers: dict[str, str]) -> Download | None:
        try:
            response = self._client.get(url, headers=headers)
        except httpx.TransportError as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from None
        if response.status_code in TRANSIENT:
            raise _Transient(f"HTTP {response.status_code}")
        if response.status_code == 304:
            return None
        if response.status_code != 200:
            raise FetchError(f"{url}: HTTP {response.status_code}")
        kept = {
            "etag": response.headers.get("etag", ""),
            "last_modified": response.headers.get("last-modified", ""),
        }
        return Download(response.content, {k: v for k, v in kept.items() if v})

    def close(self) -> None:
        self._client.close()

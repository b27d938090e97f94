"""The API's front door: who may send a body, and how large it may be.

:class:`BodyGuard` is plain ASGI middleware, so it acts before FastAPI reads
or validates anything:

* a route that needs the key (``POST /events``) answers 401 before a byte of
  the body is read;
* a body larger than its route's cap answers 413: at once when
  ``Content-Length`` says so, else as soon as the streamed bytes pass the cap;
* a body that trickles in for longer than ``BODY_SECONDS`` answers 408.

Validation errors are trimmed by :func:`trimmed_errors`: a few of them, never
the input that caused them (a 3 MB body of bad items once came back as a
158 MB 422, and an ``inf`` in the echo made it a 500).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Callable

from fastapi import HTTPException

KIB = 1024
# Per route (method, path): the largest body accepted. A fixture is ~200 bytes.
BODY_LIMITS = {
    ("POST", "/predict"): 16 * KIB,
    ("POST", "/predict/batch"): 256 * KIB,
    ("POST", "/events"): 1024 * KIB,
}
DEFAULT_LIMIT = 16 * KIB
KEYED = {("POST", "/events")}
BODY_SECONDS = 10.0  # a body still arriving after this is a slow-loris, not a client
MAX_ERRORS = 5


async def _reply(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """Key check before the body, body caps from the header and the stream."""

    def __init__(
        self,
        app,
        api_key: Callable[[], str | None],
        limits: dict[tuple[str, str], int] = BODY_LIMITS,
        body_seconds: float = BODY_SECONDS,
    ) -> None:
        self.app = app
        self.api_key = api_key
        self.limits = limits
        self.body_seconds = body_seconds

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        route = (scope["method"], scope["path"].rstrip("/") or "/")
        headers = dict(scope["headers"])
        if route in KEYED and not self._authorised(headers.get(b"x-api-key")):
            await _reply(send, 401, "X-API-Key: missing or wrong")
            return
        limit = self.limits.get(route, DEFAULT_LIMIT)
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _reply(send, 413, f"body: larger than {limit} bytes")
            return
        await self.app(scope, self._capped(receive, limit, self.body_seconds), send)

    def _authorised(self, given: bytes | None) -> bool:
        key = self.api_key()
        return bool(key and given and hmac.compare_digest(given, key.encode()))

    @staticmethod
    def _capped(receive, limit: int, seconds: float):
        seen, complete = 0, False
        deadline = asyncio.get_running_loop().time() + seconds

        async def receive_capped():
            nonlocal seen, complete
            if complete:  # the body is in: what follows (a disconnect) may take its time
                return await receive()
            left = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), max(left, 0.001))
            except TimeoutError:
                raise HTTPException(408, f"body: not received within {seconds:g} s") from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # FastAPI passes an HTTPException raised here through
                    raise HTTPException(413, f"body: larger than {limit} bytes")
                complete = not message.get("more_body", False)
            return message

        return receive_capped


def trimmed_errors(errors: list[dict]) -> list[dict]:
    """The first few validation errors as location, message and type only.

    >>> trimmed_errors([{"loc": ("body", "odds", "home"), "msg": "Input should be finite",
    ...                  "type": "finite_number", "input": float("inf")}] * 9)[0]
    {'loc': ['body', 'odds', 'home'], 'msg': 'Input should be finite', 'type': 'finite_number'}
    >>> len(trimmed_errors([{"loc": (), "msg": "x", "type": "t"}] * 9))
    5
    """
    return [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
            "msg": str(e.get("msg", ""))[:200],
            "type": str(e.get("type", "")),
        }
        for e in errors[:MAX_ERRORS]
    ]

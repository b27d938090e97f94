from __future__ import annotations

import hmac
import time
from typing import Annotated

from fastapi import APIRouter, Body, Header, HTTPException, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from serving.delivery import Delivery, IdempotencyKeys, KeyConflict, fingerprint
from serving.deps import BODY_RESPONSES, SettingsDep
from serving.schemas import EventsAccepted, Undelivered
from stream.events import Event
from stream.teams import UnknownTeam, canonical_fixture

router = APIRouter(tags=["events"])
# Declared so clients and fuzzers know the route needs it; checked before the
# body is read (serving/guard.py) and again here.
API_KEY = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="MATCHFLOW_API_KEY of the server"
)
EXAMPLE = {
    "v": 1,
    "type": "odds",
    "match_id": "E0-20230812-arsenal-nottm-forest",
    "league": "E0",
    "season": "2023-24",
    "ts": "2023-08-11T12:30:00Z",
    "phase": "pre",
    "bookmaker": "pinnacle",
    "home": 1.3,
    "draw": 6.0,
    "away": 11.0,
}
# One moment as several bookmakers quote it: the reference, the average, the best price.
MOMENT = [
    EXAMPLE,
    {**EXAMPLE, "bookmaker": "market-avg", "home": 1.28, "draw": 5.8, "away": 10.5},
    {**EXAMPLE, "bookmaker": "market-max", "home": 1.33, "draw": 6.5, "away": 13.0},
]


DELIVERY_WAIT = 5.0  # seconds a request waits for Kafka's acknowledgements
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,200}$"
UNDELIVERED = {
    "description": "Kafka did not confirm every event within 5 s. The body "
    "counts them: `pending` ones may still be delivered, `failed` and "
    "`unsent` ones were not. Retry with the same Idempotency-Key: only "
    "those not delivered and not pending are published again.",
    "model": Undelivered,
}


@router.post(
    "/events",
    status_code=202,
    response_model=EventsAccepted,
    responses={
        **BODY_RESPONSES,
        401: {"description": "missing or wrong X-API-Key"},
        409: {
            "description": "the Idempotency-Key is in use by a running "
            "request, or was used for another body"
        },
        503: UNDELIVERED,
    },
)
def post_events(
    request: Request,
    settings: SettingsDep,
    events: Annotated[Event | list[Event], Body(examples=[EXAMPLE, MOMENT])],
    x_api_key: Annotated[str | None, Security(API_KEY)] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=KEY_PATTERN,
            description="Retries with the same key publish each event once",
        ),
    ] = None,
):
    """Validate one event or a list and publish them to Kafka (key = league).
    202 once Kafka has acknowledged every event."""
    if (
        not settings.api_key
        or not x_api_key
        or not hmac.compare_digest(x_api_key.encode(), settings.api_key.encode())
    ):
        raise HTTPException(401, "X-API-Key: missing or wrong")
    listed = isinstance(events, list)
    batch: list[Event] = events if isinstance(events, list) else [events]
    if len(batch) > 1000:
        raise RequestValidationError(
            [{"type": "too_long", "loc": ("body",), "msg": "at most 1000 events per request"}]
        )
    payloads = [
        _canonical_teams(event, index if listed else None).to_json()
        for index, event in enumerate(batch)
    ]
    publisher = request.app.state.publisher()
    if publisher is None:
        raise HTTPException(503, "kafka: no broker configured (serve --kafka HOST:PORT)")
    keys: IdempotencyKeys = request.app.state.idempotency
    if idempotency_key is None:
        return _publish(publisher, batch, payloads, Delivery(len(batch)))
    try:
        delivery = keys.claim(
            idempotency_key, fingerprint("\n".join(payloads).encode()), len(batch)
        )
    except KeyConflict as exc:
        raise HTTPException(409, str(exc)) from None
    try:
        return _publish(publisher, batch, payloads, delivery)
    finally:
        keys.release(idempotency_key)


def _publish(publisher, batch: list[Event], payloads: list[str], delivery: Delivery):
    """Publish what this delivery has not delivered yet, wait for Kafka's
    answers, and say what happened."""
    try:
        for index in delivery.unsent():
            publisher.publish(
                batch[index].league, payloads[index], on_delivery=delivery.callback(index)
            )
            delivery.sent(index)
        deadline = time.monotonic() + DELIVERY_WAIT
        while delivery.waiting and time.monotonic() < deadline:
            publisher.poll(0.05)
    except Exception as exc:
        raise HTTPException(503, f"kafka: {exc}") from None
    if delivery.complete:
        return {"accepted": len(batch), "topic": publisher.topic}
    counts = delivery.counts()
    detail = (
        f"kafka: {len(batch) - counts['delivered']} of {len(batch)} events not "
        f"confirmed ({counts['pending']} may still be delivered); retry with the "
        "same Idempotency-Key"
    )
    if delivery.first_error:
        detail += f" (first error: {delivery.first_error[:200]})"
    return JSONResponse({"detail": detail, **counts}, status_code=503, headers={"Retry-After": "5"})


def _canonical_teams(event: Event, index: int | None) -> Event:
    """A fixture's clubs under their canonical names; an unknown club is a 422
    naming the field and the closest known names."""
    try:
        return canonical_fixture(event)
    except UnknownTeam as exc:
        location = ("body", exc.side) if index is None else ("body", index, exc.side)
        raise RequestValidationError(
            [{"type": "value_error", "loc": location, "msg": str(exc), "input": exc.name}]
        ) from None

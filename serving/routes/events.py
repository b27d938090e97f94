from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader

from serving.deps import BODY_RESPONSES, SettingsDep
from serving.schemas import EventsAccepted
from stream.events import Event
from stream.teams import UnknownTeam, canonical_fixture

router = APIRouter(tags=["events"])
# Declared so clients and fuzzers know the route needs it; checked before the
# body is read (serving/guard.py) and again here.
API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False,
                       description="MATCHFLOW_API_KEY of the server")
EXAMPLE = {"v": 1, "type": "odds", "match_id": "E0-20230812-arsenal-nottm-forest",
           "league": "E0", "season": "2023-24", "ts": "2023-08-11T12:30:00Z", "phase": "pre",
           "bookmaker": "pinnacle", "home": 1.3, "draw": 6.0, "away": 11.0}
# One moment as several bookmakers quote it: the reference, the average, the best price.
MOMENT = [EXAMPLE,
          {**EXAMPLE, "bookmaker": "market-avg", "home": 1.28, "draw": 5.8, "away": 10.5},
          {**EXAMPLE, "bookmaker": "market-max", "home": 1.33, "draw": 6.5, "away": 13.0}]


@router.post("/events", status_code=202, response_model=EventsAccepted,
             responses={**BODY_RESPONSES, 401: {"description": "missing or wrong X-API-Key"},
                        503: {"description": "no Kafka configured or reachable"}})
def post_events(request: Request, settings: SettingsDep,
                events: Annotated[Event | list[Event], Body(examples=[EXAMPLE, MOMENT])],
                x_api_key: Annotated[str | None, Security(API_KEY)] = None):
    """Validate one event or a list and publish them to Kafka (key = league)."""
    if not settings.api_key or not x_api_key or \
            not hmac.compare_digest(x_api_key.encode(), settings.api_key.encode()):
        raise HTTPException(401, "X-API-Key: missing or wrong")
    listed = isinstance(events, list)
    batch = events if listed else [events]
    if len(batch) > 1000:
        raise RequestValidationError([{"type": "too_long", "loc": ("body",),
                                       "msg": "at most 1000 events per request"}])
    batch = [_canonical_teams(event, index if listed else None)
             for index, event in enumerate(batch)]
    publisher = request.app.state.publisher()
    if publisher is None:
        raise HTTPException(503, "kafka: no broker configured (serve --kafka HOST:PORT)")
    try:
        for event in batch:
            publisher.publish(event.league, event.to_json())
        publisher.flush(timeout=10)
    except Exception as exc:  # noqa: BLE001 - the broker's failure, not the client's
        raise HTTPException(503, f"kafka: {exc}") from None
    return {"accepted": len(batch), "topic": publisher.topic}


def _canonical_teams(event: Event, index: int | None) -> Event:
    """A fixture's clubs under their canonical names; an unknown club is a 422
    naming the field and the closest known names."""
    try:
        return canonical_fixture(event)
    except UnknownTeam as exc:
        location = ("body", exc.side) if index is None else ("body", index, exc.side)
        raise RequestValidationError([{"type": "value_error", "loc": location,
                                       "msg": str(exc), "input": exc.name}]) from None

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from serving import queries
from serving.deps import DbDep

router = APIRouter(tags=["health"])


@router.get(
    "/health", responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}}
)
async def health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/ready",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "status": "ready",
                        "newest_event": "2023-05-28T17:30:00+00:00",
                        "age_seconds": 9.9e7,
                    }
                }
            }
        },
        503: {"description": "the store cannot be read"},
    },
)
async def ready(db: DbDep):
    """The store answers (a deleted SQLite file is noticed); how old its newest
    event is (event time). Never more than two seconds."""
    try:
        newest = await db(queries.newest_event)
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "detail": str(exc)[:200]},
            status_code=503,
            headers={"Retry-After": "2"},
        )
    age = None
    if newest:
        age = (datetime.now(UTC) - datetime.fromisoformat(newest)).total_seconds()
    return {"status": "ready", "newest_event": newest, "age_seconds": age}

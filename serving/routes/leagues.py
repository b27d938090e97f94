from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from serving import queries
from serving.deps import STORE_RESPONSES, DbDep

router = APIRouter(tags=["leagues"], responses=STORE_RESPONSES)


@router.get("/leagues")
async def list_leagues(db: DbDep):
    """Every league in the store with its match counts."""
    return await db(queries.leagues)


@router.get("/leagues/{league}/metrics", responses={404: {"description": "unknown league"}})
async def league_metrics(
    db: DbDep,
    league: Annotated[str, Path(max_length=16, examples=["E0"])],
    window: Annotated[int, Query(ge=1, le=10000)] = 100,
):
    """Rolling (last ``window`` matches) and cumulative scores of every model and
    the market, at both moments, and the league's drift events."""
    if not await db(queries.league_exists, league):
        raise HTTPException(404, f"league: unknown league {league!r}")
    return await db(queries.league_metrics, league, window)

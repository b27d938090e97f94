from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from serving import queries
from serving.deps import StoreDep

router = APIRouter(tags=["leagues"])


@router.get("/leagues")
async def list_leagues(store: StoreDep):
    """Every league in the store with its match counts."""
    return queries.leagues(store)


@router.get("/leagues/{league}/metrics", responses={404: {"description": "unknown league"}})
async def league_metrics(store: StoreDep,
                   league: Annotated[str, Path(max_length=16, examples=["E0"])],
                   window: Annotated[int, Query(ge=1, le=10000)] = 100):
    """Rolling (last ``window`` matches) and cumulative scores of every model and
    the market, at both moments, and the league's drift events."""
    if not queries.league_exists(store, league):
        raise HTTPException(404, f"league: unknown league {league!r}")
    return queries.league_metrics(store, league, window)

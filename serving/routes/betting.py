from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from serving import queries
from serving.deps import STORE_RESPONSES, DbDep, bad_query

router = APIRouter(tags=["betting"], responses=STORE_RESPONSES)
Name = Annotated[str | None, Query(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Market = Literal["1x2", "ou25", "ah"]


@router.get("/bets")
async def list_bets(
    db: DbDep,
    league: Name = None,
    strategy: Name = None,
    status: Literal["open", "won", "lost", "push", "half-won", "half-lost"] | None = None,
    market: Market = "1x2",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
):
    """Paper bets of one market (``1x2``, ``ou25``: over/under 2.5 goals, ``ah``:
    Asian handicap, with its home ``line``), latest kick-off first."""
    try:
        items, next_cursor = await db(
            queries.bets_page, league, strategy, status, limit, cursor, market
        )
    except queries.BadCursor as exc:
        raise bad_query("cursor", str(exc)) from None
    return {"items": items, "next_cursor": next_cursor}


@router.get("/bankroll")
async def current_bankroll(
    db: DbDep, strategy: Name = None, league: Name = None, market: Market = "1x2"
):
    """The latest bankroll of each strategy and league in one market (each
    season starts at 100)."""
    return await db(queries.bankroll, league, strategy, market)

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from serving import queries
from serving.deps import STORE_RESPONSES, DbDep

router = APIRouter(tags=["matches"], responses=STORE_RESPONSES)


@router.get("/matches/{match_id}", responses={404: {"description": "unknown match"}})
async def get_match(
    db: DbDep,
    match_id: Annotated[str, Path(max_length=200, examples=["E0-20170811-arsenal-leicester"])],
):
    """The match, its prediction history, odds history and bets."""
    found = await db(queries.match_detail, match_id)
    if found is None:
        raise HTTPException(404, f"match_id: unknown match {match_id!r}")
    return found

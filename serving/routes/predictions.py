from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import JSONResponse

from serving import queries
from serving.deps import BODY_RESPONSES, STORE_RESPONSES, DbDep, LiveDep, SettingsDep, bad_query
from serving.schemas import FixtureIn, PredictionOut, PredictionsPage
from stream.events import LEAGUE_PATTERN

router = APIRouter(tags=["predictions"], responses=STORE_RESPONSES)
League = Annotated[
    str | None, Query(min_length=1, max_length=16, pattern=LEAGUE_PATTERN, examples=["E0"])
]


@router.get(
    "/predictions",
    response_class=JSONResponse,
    responses={200: {"model": PredictionsPage}, 404: {"description": "unknown league"}},
)
async def list_predictions(
    db: DbDep,
    league: League = None,
    status: Literal["upcoming", "played", "all"] = "upcoming",
    market: Literal["1x2", "ou25", "ah"] = "1x2",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
):
    """The latest prediction of each match: every model's probabilities, the
    market's, the edge of each outcome, the odds and moment used, the model
    version; of the 1X2 or, with ``market``, of over/under 2.5 goals (``ou25``)
    or the Asian handicap (``ah``, at its home ``line``). Upcoming matches
    soonest first; played ones latest first.
    Responses are cached until the store changes (``serving/cache.py``)."""
    if league and not await db(queries.league_exists, league):
        raise HTTPException(404, f"league: unknown league {league!r}")
    try:
        items, next_cursor = await db(
            queries.predictions_page, league, status, limit, cursor, market
        )
    except queries.BadCursor as exc:
        raise bad_query("cursor", str(exc)) from None
    page = {"items": items, "next_cursor": next_cursor}
    if not items and status == "upcoming" and not cursor:
        page["note"] = await db(queries.why_no_upcoming, league)
    # Built by our own queries, so serialised directly: validating the page
    # against its model again tripled the route's latency.
    return JSONResponse(page)


def _predict(store, live, settings, fixture: FixtureIn) -> dict:
    models = live.get(store, fixture.league)
    if models is None and settings.mlflow:  # no state from a dataflow: the registry's
        models = live.from_registry(settings.mlflow, fixture.league)
    if models is None:
        raise HTTPException(404, f"league: no model state for {fixture.league!r}")
    odds = (fixture.odds.home, fixture.odds.draw, fixture.odds.away)
    probs, features = models.processor.predict(fixture.home, fixture.away, fixture.kickoff, odds)
    named = {name: dict(zip(queries.OUTCOMES, p)) for name, p in probs.items()}
    edge = {
        name: {k: p[k] * o - 1.0 for k, o in zip(queries.OUTCOMES, odds)}
        for name, p in named.items()
        if name != "market"
    }
    return {
        "league": fixture.league,
        "home": fixture.home,
        "away": fixture.away,
        "kickoff": fixture.kickoff,
        "model_version": models.matches_learned,
        "state_updated_at": queries.plain({"t": models.updated_at})["t"],
        "models": named,
        "edge": edge,
        "features": features,
    }


@router.post(
    "/predict",
    response_model=PredictionOut,
    responses={**BODY_RESPONSES, 404: {"description": "no model state for the league"}},
)
async def predict(db: DbDep, live: LiveDep, settings: SettingsDep, fixture: FixtureIn):
    """Probabilities for a fixture of your choosing from the league's latest
    model state (the dataflow's, else ``models:/matchflow-<league>@live`` when
    the API was given ``--mlflow``), with the features used. Nothing is
    learned or stored."""
    return await db(_predict, live, settings, fixture)


@router.post(
    "/predict/batch",
    response_model=list[PredictionOut],
    responses={**BODY_RESPONSES, 404: {"description": "no model state for a league"}},
)
async def predict_batch(
    db: DbDep,
    live: LiveDep,
    settings: SettingsDep,
    fixtures: Annotated[list[FixtureIn], Body(max_length=500)],
):
    """:func:`predict` for up to 500 fixtures at once."""
    return await db(lambda store: [_predict(store, live, settings, f) for f in fixtures])

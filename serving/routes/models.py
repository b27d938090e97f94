from __future__ import annotations

from fastapi import APIRouter

from serving import queries
from serving.deps import STORE_RESPONSES, DbDep

router = APIRouter(tags=["models"], responses=STORE_RESPONSES)


@router.get("/models")
async def list_models(db: DbDep):
    """Per league, each model's state (matches learned, the ARF's own drifts and
    warnings, the drift monitor's alarms, when the state was last published),
    and the newest versions registered in MLflow as ``matchflow-<league>``."""
    return {"models": await db(queries.model_states), "registered": await db(queries.snapshots)}

from __future__ import annotations

from fastapi import APIRouter

from serving import queries
from serving.deps import StoreDep

router = APIRouter(tags=["models"])


@router.get("/models")
async def list_models(store: StoreDep):
    """Per league, each model's state (matches learned, the ARF's own drifts and
    warnings, the drift monitor's alarms, when the state was last published),
    and the newest versions registered in MLflow as ``matchflow-<league>``."""
    return {"models": queries.model_states(store), "registered": queries.snapshots(store)}

"""When a league's state goes to MLflow, and what goes with it.

The dataflow asks :func:`maybe_snapshot` after every event: a snapshot is due
after a matchweek of settled matches (half the teams the league has fielded
this season) or at a drift alarm, and is taken only when the logger has
nothing of that league in hand (so a slow MLflow costs skipped snapshots, never
a stalled stream). A scheduled snapshot also waits ``min_interval`` seconds of
wall time after the league's previous one: live, a matchweek takes days and
this never binds; a replay runs years in a minute and would otherwise pickle
the state (~70 ms for 5 MB) a hundred times. ``--warm-start`` makes a league's first event load its
``@live`` state instead of starting cold.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import asdict
from importlib.metadata import version

from models.factory import CHALLENGER, MARKET, PRIMARY
from models.snapshots import Snapshot, SnapshotLogger, load_live
from stream.league import LeagueProcessor
from stream.records import Record, iso

_LOGGER: SnapshotLogger | None = None
_WARM_START_URI: str | None = None
_MIN_INTERVAL = 20.0
_LAST_TAKEN: dict[str, float] = {}  # league -> wall time of its last snapshot


def activate(
    logger: SnapshotLogger | None, warm_start_uri: str | None = None, min_interval: float = 20.0
) -> None:
    global _LOGGER, _WARM_START_URI, _MIN_INTERVAL
    _LOGGER, _WARM_START_URI, _MIN_INTERVAL = logger, warm_start_uri, min_interval
    _LAST_TAKEN.clear()


def warm_processor(league: str) -> LeagueProcessor | None:
    if _WARM_START_URI is None:
        return None
    return load_live(_WARM_START_URI, league)


def _params(processor: LeagueProcessor) -> dict[str, str]:
    config = asdict(processor.config)
    arf = config.pop("arf")
    params = {f"flow.{k}": str(v) for k, v in config.items()}
    params.update({f"arf.{k}": str(v) for k, v in arf.items()})
    params.update({f"version.{pkg}": version(pkg) for pkg in ("river", "bytewax", "matchflow")})
    return params


def _metrics(processor: LeagueProcessor) -> dict[str, float]:
    metrics = {
        "matches_learned": float(processor.learned),
        "monitor_drifts": float(processor.monitor.detections),
    }
    arf = processor.models[CHALLENGER].estimator
    metrics["arf_drifts"] = float(arf.n_drifts_detected())
    metrics["arf_warnings"] = float(arf.n_warnings_detected())
    for (model, phase), running in processor.scores.items():
        if model not in (PRIMARY, CHALLENGER, MARKET) or running.n == 0:
            continue
        for name in ("rps", "log_loss", "accuracy"):
            metrics[f"{model}_{phase}_{name}_cum"] = running.cumulative(name)
            metrics[f"{model}_{phase}_{name}_rolling"] = running.rolling(name)
    return metrics


def _snapshot(processor: LeagueProcessor, trigger: str) -> Snapshot:
    state = pickle.dumps(processor, protocol=pickle.HIGHEST_PROTOCOL)  # pickled once
    processor.last_snapshot = processor.learned
    _LAST_TAKEN[processor.league] = time.monotonic()
    return Snapshot(
        league=processor.league,
        trigger=trigger,
        event_ts=iso(processor.last_ts) if processor.last_ts else "",
        state=state,
        metrics=_metrics(processor),
        params=_params(processor),
    )


def maybe_snapshot(processor: LeagueProcessor, records: list[Record]) -> None:
    if _LOGGER is None:
        return
    drifted = any(r.table == "drift_events" for r in records)
    due = (
        processor.learned - processor.last_snapshot >= processor.matchweek()
        and time.monotonic() - _LAST_TAKEN.get(processor.league, 0.0) >= _MIN_INTERVAL
    )
    if (drifted or due) and _LOGGER.ready(processor.league):
        _LOGGER.submit(_snapshot(processor, "drift" if drifted else "schedule"))


def final_snapshot(processor: LeagueProcessor) -> None:
    if _LOGGER is not None and processor.learned > 0:
        _LOGGER.submit(_snapshot(processor, "final"))

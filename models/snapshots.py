"""League state snapshots in MLflow: a pyfunc model per snapshot, registered as
``matchflow-<league>`` with the alias ``live`` on the newest version.

Logging happens in a separate process. A snapshot due while the previous one
of that league is still being logged is not taken at all (``ready()`` says so
before the state is pickled), so the stream never waits for MLflow and
pickles only what will be logged. The last
snapshot of a finite stream is always logged (``close()`` waits for it).
MLflow is imported lazily: it takes seconds to import.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from models.sealing import SealingSettings, load_sealed, seal

log = logging.getLogger("matchflow.snapshots")
ALIAS = "live"
INPUT_COLUMNS = ("home", "away", "kickoff", "odds_home", "odds_draw", "odds_away")


def registered_name(league: str) -> str:
    return f"matchflow-{league}"


def predict_frame(processor: Any, frame: pd.DataFrame, model: str = "anchored") -> pd.DataFrame:
    """H/D/A probabilities of one model for a DataFrame of fixtures with odds."""
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    rows = []
    for fixture in frame.itertuples(index=False):
        kickoff = pd.Timestamp(fixture.kickoff)
        kickoff = kickoff.tz_localize("UTC") if kickoff.tzinfo is None else kickoff
        probs, _ = processor.predict(
            str(fixture.home),
            str(fixture.away),
            kickoff.to_pydatetime(),
            (float(fixture.odds_home), float(fixture.odds_draw), float(fixture.odds_away)),
        )
        rows.append(dict(zip(("home", "draw", "away"), probs[model])))
    return pd.DataFrame(rows, columns=["home", "draw", "away"])


def _python_model_class():
    from mlflow.pyfunc import PythonModel

    class LeagueStateModel(PythonModel):
        """A league's pickled processor; predicts the primary model's H/D/A."""

        def load_context(self, context) -> None:
            with open(context.artifacts["state"], "rb") as handle:
                # MLflow's model server runs this without matchflow's CLI: the
                # sealing settings are the one part of the settings it needs.
                self.processor = load_sealed(handle.read(), SealingSettings().sealing_key())

        def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
            return predict_frame(self.processor, model_input)

    return LeagueStateModel


def example_input() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "home": "Arsenal",
                "away": "Chelsea",
                "kickoff": "2023-08-12T14:00:00+00:00",
                "odds_home": 2.1,
                "odds_draw": 3.5,
                "odds_away": 3.4,
            }
        ]
    )


@dataclass
class Snapshot:
    league: str
    trigger: str  # "schedule", "drift" or "final"
    event_ts: str
    state: bytes
    metrics: dict[str, float]
    params: dict[str, str]


def _worker(tracking_uri: str, keep: int, key: bytes, inbox, outbox) -> None:
    """The logging process: MLflow's Python-heavy work never holds the
    dataflow's GIL (a logging thread made a full replay 29% slower). MLflow's
    chatter is silenced; failures come back through ``outbox``. A terminal's
    Ctrl-C reaches this process too: it is ignored here, the parent stops the
    stream and then this process, once the last snapshot is logged."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    with (
        open(os.devnull, "w") as quiet,
        contextlib.redirect_stdout(quiet),
        contextlib.redirect_stderr(quiet),
    ):
        _serve(tracking_uri, keep, key, inbox, outbox)


def _serve(tracking_uri: str, keep: int, key: bytes, inbox, outbox) -> None:
    while (snapshot := inbox.get()) is not None:
        snapshot.state = seal(snapshot.state, key)  # here: sealing 5 MB costs ~10 ms
        try:
            outbox.put(("ok", snapshot.league, log_snapshot(tracking_uri, snapshot, keep)))
        except Exception as exc:
            outbox.put(("error", snapshot.league, f"{type(exc).__name__}: {exc}"))
    outbox.put(None)


class SnapshotFailed(RuntimeError):
    """MLflow refused a snapshot; the message is its reason."""


@dataclass
class SnapshotLogger:
    """Logs snapshots to MLflow in a separate process; ``on_logged`` gets a
    ``model_snapshots`` row for each one logged."""

    tracking_uri: str
    keep: int = 5
    key: bytes = b""  # the sealing key (Settings.sealing_key())
    on_logged: Callable[[dict], None] | None = None
    on_error: Callable[[str, str], None] | None = None  # (league, reason) of a failure
    errors: list[str] = field(default_factory=list)
    logged: list[dict] = field(default_factory=list)
    _in_flight: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> SnapshotLogger:
        if not self.key:
            raise ValueError("SnapshotLogger needs the sealing key")
        context = multiprocessing.get_context("spawn")  # no fork under Bytewax's threads
        self._inbox, self._outbox = context.Queue(), context.Queue()
        self._process = context.Process(
            target=_worker,
            name="mlflow-snapshots",
            daemon=True,
            args=(self.tracking_uri, self.keep, self.key, self._inbox, self._outbox),
        )
        self._process.start()
        self._reader = threading.Thread(target=self._collect, name="mlflow-results", daemon=True)
        self._reader.start()
        return self

    def ready(self, league: str) -> bool:
        """True when nothing of this league is waiting or being logged."""
        with self._lock:
            return not self._in_flight.get(league)

    def submit(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._in_flight[snapshot.league] = self._in_flight.get(snapshot.league, 0) + 1
        self._inbox.put(snapshot)

    def _collect(self) -> None:
        """Results as they come back. A failure, MLflow's or ``on_logged``'s,
        is logged with its reason and counted; this thread and the league's
        later snapshots go on."""
        while (message := self._outbox.get()) is not None:
            status, league, payload = message
            try:
                if status != "ok":
                    raise SnapshotFailed(payload)
                self.logged.append(payload)
                if self.on_logged is not None:
                    self.on_logged(payload)
            except Exception as exc:
                reason = str(exc)
                if not isinstance(exc, SnapshotFailed):
                    reason = f"{type(exc).__name__}: {reason}"
                log.warning("snapshot of %s failed: %s", league, reason)
                self.errors.append(f"{league}: {reason}")
                if self.on_error is not None:
                    self.on_error(league, reason)
            finally:
                with self._lock:
                    self._in_flight[league] -= 1

    def close(self) -> None:
        """Log everything submitted, then stop the process."""
        self._inbox.put(None)
        self._reader.join()
        self._process.join(timeout=60)


def log_snapshot(tracking_uri: str, snapshot: Snapshot, keep: int) -> dict:
    """Log one snapshot as a registered pyfunc model and move ``live`` to it."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    from models.experiment import use_experiment

    started = time.perf_counter()
    use_experiment(tracking_uri)
    client = MlflowClient(tracking_uri)
    name = registered_name(snapshot.league)
    with tempfile.TemporaryDirectory() as folder:
        state_path = Path(folder) / "state.pkl"
        state_path.write_bytes(snapshot.state)
        example = example_input()
        with mlflow.start_run(run_name=f"{snapshot.league}-{snapshot.event_ts}") as run:
            mlflow.log_params(snapshot.params)
            mlflow.log_metrics(snapshot.metrics)
            mlflow.set_tags(
                {
                    "league": snapshot.league,
                    "trigger": snapshot.trigger,
                    "event_time": snapshot.event_ts,
                }
            )
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=_python_model_class()(),
                artifacts={"state": str(state_path)},
                signature=infer_signature(
                    example, pd.DataFrame([{"home": 0.5, "draw": 0.3, "away": 0.2}])
                ),
                input_example=example,
                pip_requirements=_requirements(),
                registered_model_name=name,
            )
    version = info.registered_model_version
    for key, value in version_tags(snapshot).items():
        client.set_model_version_tag(name, str(version), key, value)
    client.update_model_version(name, str(version), description=describe(snapshot))
    client.set_registered_model_alias(name, ALIAS, str(version))
    _retain(client, name, keep)
    return {
        "league": snapshot.league,
        "ts": snapshot.event_ts,
        "run_id": run.info.run_id,
        "version": int(version),
        "trigger": snapshot.trigger,
        "size": len(snapshot.state),
        "seconds": round(time.perf_counter() - started, 3),
    }


def version_tags(snapshot: Snapshot) -> dict[str, str]:
    return {
        "league": snapshot.league,
        "event_time": snapshot.event_ts,
        "trigger": snapshot.trigger,
        "matches_learned": str(int(snapshot.metrics.get("matches_learned", 0))),
    }


def describe(snapshot: Snapshot) -> str:
    """One line: the primary's rolling RPS against the market's at that moment.

    >>> describe(Snapshot("E0", "drift", "2023-05-28T17:30:00+00:00", b"", {
    ...     "matches_learned": 7600, "anchored_pre_rps_rolling": 0.1931,
    ...     "market_pre_rps_rolling": 0.1935}, {}))
    'E0 at 2023-05-28T17:30:00+00:00 (drift, 7600 matches learned): anchored rolling pre RPS 0.1931 vs market 0.1935 (-0.0004)'
    """
    m = snapshot.metrics
    head = (
        f"{snapshot.league} at {snapshot.event_ts} ({snapshot.trigger}, "
        f"{int(m.get('matches_learned', 0))} matches learned)"
    )
    if "anchored_pre_rps_rolling" not in m or "market_pre_rps_rolling" not in m:
        return head
    model, market = m["anchored_pre_rps_rolling"], m["market_pre_rps_rolling"]
    return (
        f"{head}: anchored rolling pre RPS {model:.4f} vs market {market:.4f} "
        f"({model - market:+.4f})"
    )


def _requirements() -> list[str]:
    from importlib.metadata import version

    return [f"{pkg}=={version(pkg)}" for pkg in ("river", "pandas", "pydantic", "mlflow")]


def _retain(client, name: str, keep: int) -> None:
    """Delete all but the newest ``keep`` versions (and their runs)."""
    versions = sorted(
        client.search_model_versions(f"name = '{name}'"), key=lambda v: int(v.version), reverse=True
    )
    for old in versions[keep:]:
        client.delete_model_version(name, old.version)
        if old.run_id:
            client.delete_run(old.run_id)


def live_version(tracking_uri: str, league: str) -> str | None:
    """The version number behind ``models:/matchflow-<league>@live``, or None."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri, registry_uri=tracking_uri)
    try:
        return str(client.get_model_version_by_alias(registered_name(league), ALIAS).version)
    except MlflowException:
        return None


def load_live(tracking_uri: str, league: str, key: bytes) -> Any | None:
    """The processor behind ``models:/matchflow-<league>@live``, or None;
    :class:`~models.sealing.TamperedBlob` when its seal does not match."""
    version = live_version(tracking_uri, league)
    return None if version is None else load_version(tracking_uri, league, version, key)


def load_version(tracking_uri: str, league: str, version: str, key: bytes) -> Any:
    """The processor of one registered version, after its seal checks out."""
    import mlflow.artifacts
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri, registry_uri=tracking_uri)

    # The version's own artifact location: a "models:/" URI would be resolved
    # against the process-wide registry, which may be another store's.
    source = client.get_model_version_download_uri(registered_name(league), version)
    path = mlflow.artifacts.download_artifacts(artifact_uri=source, tracking_uri=tracking_uri)
    state = next(Path(path).rglob("state.pkl"))
    return load_sealed(state.read_bytes(), key)

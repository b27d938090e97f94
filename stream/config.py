"""Settings: one pydantic-settings object per process, built once at start-up
(``matchflow``'s root command, ``create_app``) and passed down.

Every setting can be given as ``MATCHFLOW_<NAME>``, and most as a flag. The
fields come in parts, declared next to what they configure and combined here:
:class:`ModelSettings` (what a league's models and strategies need, carried
into its state as :class:`FlowConfig`) and
:class:`~models.sealing.SealingSettings` (the key that seals model state).

>>> Settings(edge=0.2).flow_config().edge
0.2
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.arf_config import ArfConfig
from models.betting import FlatStake, FractionalKelly, Strategy
from models.fair import DEFAULT_METHOD, FairMethod
from models.sealing import SealingSettings

BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data" / "football-data"


class ModelSettings(BaseModel):
    """What a league's processor needs to build its models and strategies.
    Every value has bounds: one out of them is exit 2 naming its variable."""

    seed: int = Field(42, ge=0)
    rolling_window: int = Field(100, ge=1)
    # ADWIN confidence of the drift monitor; larger alarms sooner
    monitor_delta: float = Field(0.002, gt=0, lt=1)
    edge: float = Field(0.10, ge=0, allow_inf_nan=False)
    best_edge: float = Field(0.02, ge=0, allow_inf_nan=False)  # of the best-price strategies
    # the anchored model's prior: the market is right
    prior_variance: float = Field(0.003, gt=0, allow_inf_nan=False)
    # how a reference's margin is removed (models/fair.py): the market model,
    # the anchored model's offset, value and fair closing-line value
    fair_method: FairMethod = DEFAULT_METHOD
    kelly_fraction: float = Field(0.25, gt=0, le=1)
    kelly_cap: float = Field(0.05, gt=0, le=1)  # largest stake, as a share of the bankroll
    flat_stake: float = Field(1.0, gt=0, allow_inf_nan=False)
    # Seconds of event time an event may arrive behind its league's latest
    # one and still be processed in order (stream/ordering.py). Live, it is
    # also the longest a quote waits to be priced: a minute absorbs producers
    # that batch or poll, and keeps a prediction within a minute of its quote.
    allowed_lateness: float = Field(60.0, ge=0, le=30 * 86400, allow_inf_nan=False)
    arf: ArfConfig = Field(default_factory=ArfConfig)

    def learned_differences(self, other: ModelSettings) -> list[tuple[str, str, str]]:
        """``(variable, self's value, other's)`` for each setting that shaped
        learned state and differs: a warm start cannot change them.

        >>> ModelSettings().learned_differences(ModelSettings(edge=0.5, prior_variance=0.01))
        [('MATCHFLOW_PRIOR_VARIANCE', '0.003', '0.01')]
        """
        mine, theirs = _learned(self), _learned(other)
        return [(name, mine[name], theirs[name]) for name in mine if mine[name] != theirs[name]]


# Settings that shaped a league's learned state (models, scores, monitor);
# the others (edges, stakes, lateness, cadence) apply to a restored state.
LEARNED_SETTINGS = ("seed", "rolling_window", "monitor_delta", "prior_variance", "fair_method")


def _learned(settings: ModelSettings) -> dict[str, str]:
    values = {f"MATCHFLOW_{n.upper()}": str(getattr(settings, n)) for n in LEARNED_SETTINGS}
    for name, value in asdict(settings.arf).items():
        values[f"MATCHFLOW_ARF__{name.upper()}"] = str(value)
    return values


class FlowConfig(ModelSettings):
    """The model settings as carried (pickled) into every league's state."""

    model_config = ConfigDict(frozen=True)

    publish_state_every: float = 30.0  # seconds between league_state rows for the API

    def as_params(self) -> dict[str, str]:
        """Flat ``flow.*`` and ``arf.*`` strings, as MLflow params.

        >>> FlowConfig().as_params()["arf.n_models"]
        '10'
        """
        flat = self.model_dump()
        arf = flat.pop("arf")
        params = {f"flow.{k}": str(v) for k, v in flat.items()}
        params.update({f"arf.{k}": str(v) for k, v in arf.items()})
        return params

    def build_models(self) -> dict[str, Any]:
        from models.factory import build_models  # River loads in ~3 s: only when needed

        return build_models(self.seed, self.arf, self.prior_variance)

    def build_strategies(self) -> tuple[Strategy, ...]:
        """``flat`` and ``kelly`` at the reference price and ``edge``;
        ``best-flat`` and ``best-kelly`` at the best price and ``best_edge``."""
        fraction, cap = self.kelly_fraction, self.kelly_cap
        return (
            FlatStake(edge=self.edge, stake=self.flat_stake),
            FractionalKelly(edge=self.edge, fraction=fraction, cap=cap),
            FlatStake(edge=self.best_edge, stake=self.flat_stake, name="best-flat", price="best"),
            FractionalKelly(
                edge=self.best_edge, name="best-kelly", price="best", fraction=fraction, cap=cap
            ),
        )


class TimescaleSettings(BaseSettings):
    """Whether a new PostgreSQL store uses TimescaleDB: ``auto`` when
    ``CREATE EXTENSION timescaledb`` can succeed (else plain tables, with one
    warning naming the reason and the fix), ``require`` (exit 2 instead of
    plain tables) or ``off``. A store keeps the kind it was created with."""

    model_config = SettingsConfigDict(env_prefix="MATCHFLOW_", extra="ignore")

    timescale: Literal["auto", "require", "off"] = "auto"


class Settings(TimescaleSettings, SealingSettings, ModelSettings):
    """Process-wide settings, overridable by ``MATCHFLOW_*`` variables."""

    model_config = SettingsConfigDict(
        env_prefix="MATCHFLOW_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    db: str = "sqlite:///matchflow.db"
    data_dir: Path = BUNDLED_DATA
    batch_size: int = 500
    kafka: str | None = None
    topic: str = "match-events"
    # Bytewax's recovery snapshots (state and offsets), not MLflow's: the old
    # name MATCHFLOW_SNAPSHOT_INTERVAL still works.
    recovery_interval: int = Field(
        10,
        ge=1,
        validation_alias=AliasChoices(
            "MATCHFLOW_RECOVERY_INTERVAL", "MATCHFLOW_SNAPSHOT_INTERVAL", "recovery_interval"
        ),
    )
    retention_days: int = Field(0, ge=0)  # TimescaleDB drops older time-series rows; 0 keeps all
    api_key: str | None = None
    response_cache: bool = True
    api_max_connections: int = Field(1000, ge=1)  # beyond it, new requests get a 503 at once
    mlflow: str | None = None  # registry for POST /predict when no live state is stored
    tracking_uri: str = Field(
        "sqlite:///mlflow.db",
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "tracking_uri"),
    )  # where snapshots and backtests go without --mlflow (MLflow's own variable)
    reader_password: str | None = None  # gives the read-only role (Grafana's) a login
    cache_dir: Path = Field(  # downloaded Kafka jars (the old name MATCHFLOW_CACHE works too)
        Path("~/.cache/matchflow"),
        validation_alias=AliasChoices("MATCHFLOW_CACHE_DIR", "MATCHFLOW_CACHE", "cache_dir"),
    )
    services_dir: Path = Path(".services")  # `matchflow dev up`'s Kafka and PostgreSQL

    def flow_config(self) -> FlowConfig:
        return FlowConfig(**self.model_dump(include=set(ModelSettings.model_fields)))

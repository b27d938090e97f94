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

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from models.arf_config import ArfConfig
from models.betting import FlatStake, FractionalKelly, Strategy
from models.sealing import SealingSettings

BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data" / "football-data"


class ModelSettings(BaseModel):
    """What a league's processor needs to build its models and strategies."""

    seed: int = 42
    rolling_window: int = 100
    monitor_delta: float = 0.002  # ADWIN confidence of the drift monitor; larger alarms sooner
    edge: float = 0.10
    best_edge: float = 0.02  # threshold of the best-price strategies
    prior_variance: float = 0.003  # the anchored model's prior: the market is right
    kelly_fraction: float = 0.25
    kelly_cap: float = 0.05
    flat_stake: float = 1.0


class FlowConfig(ModelSettings):
    """The model settings as carried (pickled) into every league's state."""

    model_config = ConfigDict(frozen=True)

    publish_state_every: float = 30.0  # seconds between league_state rows for the API
    arf: ArfConfig = Field(default_factory=ArfConfig)

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


class Settings(SealingSettings, ModelSettings):
    """Process-wide settings, overridable by ``MATCHFLOW_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="MATCHFLOW_", extra="ignore", frozen=True)

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

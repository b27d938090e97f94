"""Settings: one pydantic-settings class for the process, one frozen
:class:`FlowConfig` carried into every league's state.

Every setting can be given as a flag or as ``MATCHFLOW_<NAME>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.arf_config import ArfConfig
from models.betting import FlatStake, FractionalKelly, Strategy

BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data" / "football-data"


class Settings(BaseSettings):
    """Process-wide defaults, overridable by ``MATCHFLOW_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="MATCHFLOW_", extra="ignore")

    db: str = "sqlite:///matchflow.db"
    data_dir: Path = BUNDLED_DATA
    seed: int = 42
    rolling_window: int = 100
    edge: float = 0.10
    best_edge: float = 0.02  # threshold of the best-price strategies
    prior_variance: float = 0.003  # the anchored model's prior: the market is right
    kelly_fraction: float = 0.25
    kelly_cap: float = 0.05
    flat_stake: float = 1.0
    batch_size: int = 500
    kafka: str | None = None
    topic: str = "match-events"
    snapshot_interval: int = 10
    api_key: str | None = None
    response_cache: bool = True
    api_max_connections: int = Field(1000, ge=1)  # beyond it, new requests get a 503 at once
    mlflow: str | None = None  # registry for POST /predict when no live state is stored
    monitor_delta: float = 0.002  # ADWIN confidence of the drift monitor; larger alarms sooner
    reader_password: str | None = None  # gives the read-only role (Grafana's) a login
    state_key: SecretStr | None = None  # seals pickled model state (stream/sealing.py)
    state_key_file: Path = Path("~/.config/matchflow/state.key")  # used without state_key

    def flow_config(self) -> FlowConfig:
        return FlowConfig(
            seed=self.seed,
            rolling_window=self.rolling_window,
            edge=self.edge,
            best_edge=self.best_edge,
            prior_variance=self.prior_variance,
            kelly_fraction=self.kelly_fraction,
            kelly_cap=self.kelly_cap,
            flat_stake=self.flat_stake,
            monitor_delta=self.monitor_delta,
        )


@dataclass(frozen=True)
class FlowConfig:
    """What a league's processor needs to build its models and strategies."""

    seed: int = 42
    rolling_window: int = 100
    monitor_delta: float = 0.002
    edge: float = 0.10
    best_edge: float = 0.02
    prior_variance: float = 0.003
    kelly_fraction: float = 0.25
    kelly_cap: float = 0.05
    flat_stake: float = 1.0
    publish_state_every: float = 30.0  # seconds between league_state rows for the API
    arf: ArfConfig = field(default_factory=ArfConfig)

    def build_models(self) -> dict[str, object]:
        from models.factory import build_models  # River loads in ~3 s: only when needed

        return build_models(self.seed, self.arf, self.prior_variance)

    def build_strategies(self) -> tuple[Strategy, ...]:
        """``flat`` and ``kelly`` at the reference price and ``edge``;
        ``best-flat`` and ``best-kelly`` at the best price and ``best_edge``."""
        kelly = {"fraction": self.kelly_fraction, "cap": self.kelly_cap}
        return (
            FlatStake(edge=self.edge, stake=self.flat_stake),
            FractionalKelly(edge=self.edge, **kelly),
            FlatStake(edge=self.best_edge, stake=self.flat_stake, name="best-flat", price="best"),
            FractionalKelly(edge=self.best_edge, name="best-kelly", price="best", **kelly),
        )

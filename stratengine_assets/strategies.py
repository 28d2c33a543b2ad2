"""Universe rules and strategy definitions, loaded from strategies.toml."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = Path(__file__).with_name("strategies.toml")
REBALANCES_PER_YEAR = {"month_end": 12, "week_end": 52, "daily": 252}
REBALANCE_RULES = tuple(REBALANCES_PER_YEAR)
CONSTRUCTIONS = ("mean_variance", "min_variance", "top_n_equal_weight")
NON_NEGATIVE = (
    "commission_bps",
    "slippage_bps",
    "cost_aversion",
    "sector_band",
    "beta_band",
    "max_turnover",
    "min_names",
)
GRID_PARAMETERS = (  # portfolio construction only: the signals the grid trades are the stored ones
    "candidates",
    "max_weight",
    "risk_aversion",
    "information_coefficient",
    "covariance_lookback",
    "risk_factors",
    "cost_aversion",
    "gross_leverage",
    "sector_band",
    "beta_band",
    "max_turnover",
    "min_names",
    "top_n",
    "rebalance",
)
_STRATEGY_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class UniverseRules:
    min_price: float = 5.0
    min_adv_usd: float = 1_000_000.0
    history_window: int = 252
    min_history_days: int = 240
    benchmark: str = "SPY"


@dataclass(frozen=True)
class ResearchRules:
    """How strategies are tuned and then tested: the in-sample window the grid sees (up to in_sample_end, or the
    first in_sample_fraction of the trading days with signals) and the thresholds a run must pass."""

    in_sample_fraction: float = 0.6
    in_sample_end: str | None = None
    min_sharpe: float = 0.5
    max_drawdown: float = -0.30  # a run's max drawdown must be better (greater) than this
    rank_by: str = "sharpe"


@dataclass(frozen=True)
class Strategy:
    strategy_id: str
    factor_weights: dict[str, float] = field(default_factory=dict)
    description: str = ""
    signal_model: str | None = None  # a scikit-learn model instead of the weighted composite
    features: tuple[str, ...] = ()  # the model's factors; empty = every factor
    model: dict[str, Any] = field(default_factory=dict)  # ModelSpec fields and the estimator's hyperparameters
    rebalance: str = "month_end"
    candidates: int = 200
    max_weight: float = 0.05
    risk_aversion: float = 1.0
    information_coefficient: float = 0.05
    covariance_lookback: int = 252
    risk_factors: int = 10
    commission_bps: float = 5.0
    slippage_bps: float = 5.0
    cost_aversion: float = 1.0
    sector_neutral: bool = False
    sector_band: float | None = None
    beta_band: float | None = None
    max_turnover: float | None = None
    min_names: int = 0
    construction: str = "mean_variance"
    long_only: bool = True
    net_exposure: float = 1.0
    gross_leverage: float = 1.0
    top_n: int = 40
    rank_factor: str = "relative_momentum_12m"
    grid: dict[str, list] = field(default_factory=dict)  # hyperparameter -> values tried on the in-sample window
    extra: dict[str, Any] = field(default_factory=dict)

    def limits(self):
        from stratengine_assets.portfolio.optimizer import Limits

        return Limits(
            self.long_only,
            self.net_exposure,
            self.gross_leverage,
            self.max_weight,
            sector_band=self.sector_band,
            beta_band=self.beta_band,
            max_turnover=self.max_turnover,
            min_names=self.min_names,
        )

    def costs(self):
        from stratengine_assets.backtest.engine import Costs

        return Costs(self.commission_bps, self.slippage_bps)

    def turnover_cost(self) -> float:
        """The optimizer's price of one unit of turnover, in the annual units of alpha: the one-way cost paid once
        per rebalance, times rebalances a year, times cost_aversion."""
        return (
            self.cost_aversion * (self.commission_bps + self.slippage_bps) / 1e4 * REBALANCES_PER_YEAR[self.rebalance]
        )

    @property
    def score_column(self) -> str:
        """The factors column its signals read: the sector-neutral z-score or the plain one."""
        return "sector_zscore" if self.sector_neutral else "zscore"

    def model_spec(self):
        """The walk-forward ModelSpec of an ML strategy: [model] keys that are ModelSpec fields, the rest params."""
        from stratengine_assets.research.walk_forward import ModelSpec

        fields = set(ModelSpec.__dataclass_fields__) - {"model", "params"}
        return ModelSpec(
            model=self.signal_model,
            **{k: v for k, v in self.model.items() if k in fields},
            params={k: v for k, v in self.model.items() if k not in fields},
        )

    def hyperparameters(self) -> dict[str, Any]:
        params = asdict(self)
        params.pop("description")
        params.pop("grid")
        return params


@dataclass(frozen=True)
class StrategyBook:
    universe: UniverseRules
    strategies: dict[str, Strategy]
    research: ResearchRules = ResearchRules()


def _strategy(strategy_id: str, spec: dict[str, Any]) -> Strategy:
    if not _STRATEGY_ID.match(strategy_id):
        raise ValueError(f"strategy id {strategy_id!r} must be lower_snake_case")
    known = set(Strategy.__dataclass_fields__) - {"strategy_id", "extra"}
    spec = {**spec, "features": tuple(spec.get("features", ()))}
    strategy = Strategy(
        strategy_id=strategy_id,
        **{k: v for k, v in spec.items() if k in known},
        extra={k: v for k, v in spec.items() if k not in known},
    )
    if strategy.rebalance not in REBALANCE_RULES:
        raise ValueError(f"{strategy_id}: rebalance must be one of {REBALANCE_RULES}")
    if strategy.construction not in CONSTRUCTIONS:
        raise ValueError(f"{strategy_id}: construction must be one of {CONSTRUCTIONS}")
    negative = [k for k in NON_NEGATIVE if getattr(strategy, k) is not None and getattr(strategy, k) < 0]
    if negative:
        raise ValueError(f"{strategy_id}: {', '.join(negative)} must not be negative")
    untunable = sorted(set(strategy.grid) - set(GRID_PARAMETERS))
    if untunable:
        raise ValueError(f"{strategy_id}: grid keys {untunable} are not portfolio hyperparameters {GRID_PARAMETERS}")
    if any(not isinstance(values, list) or not values for values in strategy.grid.values()):
        raise ValueError(f"{strategy_id}: every grid entry must be a non-empty list of values")
    if strategy.signal_model is None and not strategy.factor_weights:
        raise ValueError(f"{strategy_id}: factor_weights is empty (or set signal_model)")
    if strategy.signal_model is not None:
        strategy.model_spec()  # raises on an unknown model or bad window
    _check_factor_names(strategy)
    if strategy.construction == "top_n_equal_weight" and strategy.signal_model is not None:
        raise ValueError(f"{strategy_id}: top_n_equal_weight ranks a factor; it takes no signal_model")
    return strategy


def _check_factor_names(strategy: Strategy) -> None:
    """Features, factor weights and the rank factor must name factors the library has."""
    from stratengine_assets.research.factor_library import FACTORS

    named = {*strategy.features, *strategy.factor_weights, strategy.rank_factor}
    unknown = sorted(named - {f.name for f in FACTORS})
    if unknown:
        raise ValueError(
            f"{strategy.strategy_id}: unknown factors {unknown}; the library has {sorted(f.name for f in FACTORS)}"
        )


@lru_cache(maxsize=4)
def _load(path: str) -> StrategyBook:
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)
    strategies = {sid: _strategy(sid, spec) for sid, spec in raw.get("strategies", {}).items()}
    if not strategies:
        raise ValueError(f"{path} defines no [strategies.<id>] table")
    research = ResearchRules(**raw.get("research", {}))
    if not 0 < research.in_sample_fraction < 1:
        raise ValueError(f"{path}: research.in_sample_fraction must be in (0, 1)")
    return StrategyBook(UniverseRules(**raw.get("universe", {})), strategies, research)


def strategy_book() -> StrategyBook:
    """The configured universe rules and strategies (STRATENGINE_STRATEGIES, default the bundled file)."""
    return _load(os.environ.get("STRATENGINE_STRATEGIES", str(DEFAULT_CONFIG)))

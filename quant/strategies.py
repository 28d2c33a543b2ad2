"""Universe rules, research rules and strategies: plain data, checked for consistency on their own.

Each consumer builds what it needs from a strategy (the optimizer's limits, the backtest's costs, the model's spec);
`quant.strategy_file` reads strategies.toml and checks the names in it against the factor library and the models.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from quant.rebalance import REBALANCE_RULES

BUNDLED_STRATEGIES = Path(__file__).with_name("strategies.toml")

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

    @property
    def score_column(self) -> str:
        """The factors column its signals read: the sector-neutral z-score or the plain one."""
        return "sector_zscore" if self.sector_neutral else "zscore"

    def hyperparameters(self) -> dict[str, Any]:
        """Every setting but the description and the grid, as stored beside each backtest."""
        params = asdict(self)
        params.pop("description")
        params.pop("grid")
        return params


@dataclass(frozen=True)
class StrategyBook:
    universe: UniverseRules
    strategies: dict[str, Strategy]
    research: ResearchRules = ResearchRules()

    def models(self) -> list[Strategy]:
        """The strategies whose signal is a walk-forward model's forecast, in book order."""
        return [s for s in self.strategies.values() if s.signal_model is not None]

    def composites(self) -> list[Strategy]:
        """The strategies whose signal is a weighted composite of factor scores, in book order."""
        return [s for s in self.strategies.values() if s.signal_model is None]


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
    if strategy.construction == "top_n_equal_weight" and strategy.signal_model is not None:
        raise ValueError(f"{strategy_id}: top_n_equal_weight ranks a factor; it takes no signal_model")
    return strategy


def parse_book(raw: dict[str, Any], source: str) -> StrategyBook:
    """The book a strategies file's tables describe; raises ValueError naming `source` and the defect."""
    strategies = {sid: _strategy(sid, spec) for sid, spec in raw.get("strategies", {}).items()}
    if not strategies:
        raise ValueError(f"{source} defines no [strategies.<id>] table")
    research = ResearchRules(**raw.get("research", {}))
    if not 0 < research.in_sample_fraction < 1:
        raise ValueError(f"{source}: research.in_sample_fraction must be in (0, 1)")
    return StrategyBook(UniverseRules(**raw.get("universe", {})), strategies, research)

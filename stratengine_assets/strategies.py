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
_STRATEGY_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class UniverseRules:
    min_price: float = 5.0
    min_adv_usd: float = 1_000_000.0
    history_window: int = 252
    min_history_days: int = 240
    benchmark: str = "SPY"


@dataclass(frozen=True)
class Strategy:
    strategy_id: str
    factor_weights: dict[str, float]
    description: str = ""
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

    def hyperparameters(self) -> dict[str, Any]:
        params = asdict(self)
        params.pop("description")
        return params


@dataclass(frozen=True)
class StrategyBook:
    universe: UniverseRules
    strategies: dict[str, Strategy]


def _strategy(strategy_id: str, spec: dict[str, Any]) -> Strategy:
    if not _STRATEGY_ID.match(strategy_id):
        raise ValueError(f"strategy id {strategy_id!r} must be lower_snake_case")
    known = set(Strategy.__dataclass_fields__) - {"strategy_id", "extra"}
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
    if not strategy.factor_weights:
        raise ValueError(f"{strategy_id}: factor_weights is empty")
    return strategy


@lru_cache(maxsize=4)
def _load(path: str) -> StrategyBook:
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)
    strategies = {sid: _strategy(sid, spec) for sid, spec in raw.get("strategies", {}).items()}
    if not strategies:
        raise ValueError(f"{path} defines no [strategies.<id>] table")
    return StrategyBook(UniverseRules(**raw.get("universe", {})), strategies)


def strategy_book() -> StrategyBook:
    """The configured universe rules and strategies (STRATENGINE_STRATEGIES, default the bundled file)."""
    return _load(os.environ.get("STRATENGINE_STRATEGIES", str(DEFAULT_CONFIG)))

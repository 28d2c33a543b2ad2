"""The factor definitions: each a name, a lookback and a function of the point-in-time inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from stratengine_assets.research.factor_math import TRADING_DAYS_PER_YEAR, period_return, rolling_std


@dataclass(frozen=True)
class FactorInputs:
    """Matrices over (trading day x ticker), each cell known at the close of its day."""

    close: np.ndarray
    returns: np.ndarray
    fundamentals: dict[str, np.ndarray]

    def fundamental(self, metric: str) -> np.ndarray:
        return self.fundamentals.get(metric, np.full_like(self.close, np.nan))


@dataclass(frozen=True)
class Factor:
    name: str
    lookback: int
    compute: Callable[[FactorInputs], np.ndarray]
    description: str = ""


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _market_cap(x: FactorInputs) -> np.ndarray:
    return x.close * x.fundamental("shares_outstanding")


def _size(x: FactorInputs) -> np.ndarray:
    cap = _market_cap(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cap > 0, np.log(cap), np.nan)


FACTORS: tuple[Factor, ...] = (
    Factor("momentum_12_1", 252, lambda x: period_return(x.close, 252, 21), "return from t-252 to t-21"),
    Factor("reversal_1m", 21, lambda x: -period_return(x.close, 21), "minus the last 21-day return"),
    Factor(
        "volatility_252d",
        252,
        lambda x: rolling_std(x.returns, 252, 200) * np.sqrt(TRADING_DAYS_PER_YEAR),
        "annualized std of 252 daily returns",
    ),
    Factor("size", 0, _size, "log market cap"),
    Factor("book_to_price", 0, lambda x: _ratio(x.fundamental("total_equity"), _market_cap(x)), "equity / cap"),
    Factor(
        "roe",
        0,
        lambda x: _ratio(x.fundamental("net_income"), x.fundamental("total_equity")),
        "net income / equity",
    ),
)
MAX_LOOKBACK = max(f.lookback for f in FACTORS)

"""Performance metrics with empyrical's definitions (daily simple returns, 252 periods a year)."""

from __future__ import annotations

import numpy as np

PERIODS_PER_YEAR = 252


def total_return(returns: np.ndarray) -> float:
    return float(np.prod(1.0 + returns) - 1.0)


def cagr(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float:
    """(prod(1 + r)) ** (periods / n) - 1."""
    if len(returns) == 0:
        return float("nan")
    return float(np.prod(1.0 + returns) ** (periods / len(returns)) - 1.0)


def annual_volatility(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float:
    return float(np.std(returns, ddof=1) * np.sqrt(periods)) if len(returns) > 1 else float("nan")


def sharpe_ratio(returns: np.ndarray, risk_free: float = 0.0, periods: int = PERIODS_PER_YEAR) -> float:
    excess = returns - risk_free
    if len(excess) < 2:
        return float("nan")
    std = np.std(excess, ddof=1)
    return float(np.mean(excess) / std * np.sqrt(periods)) if std > 0 else float("nan")


def max_drawdown(returns: np.ndarray) -> float:
    """Worst fall of wealth from its running peak (starting wealth 1 counts as a peak), as a negative number."""
    if len(returns) == 0:
        return float("nan")
    wealth = np.cumprod(1.0 + np.asarray(returns, dtype="float64"))
    peak = np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:]
    return float(np.min(wealth / peak - 1.0))

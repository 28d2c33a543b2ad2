"""Performance metrics with empyrical's definitions (daily simple returns, 252 periods a year)."""

from __future__ import annotations

import numpy as np

from quant.calendar import TRADING_DAYS_PER_YEAR as PERIODS_PER_YEAR


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


def downside_risk(returns: np.ndarray, required: float = 0.0, periods: int = PERIODS_PER_YEAR) -> float:
    """Root mean square of the returns below `required`, annualized."""
    shortfall = np.minimum(np.asarray(returns) - required, 0.0)
    return float(np.sqrt(np.mean(shortfall**2)) * np.sqrt(periods))


def sortino_ratio(returns: np.ndarray, required: float = 0.0, periods: int = PERIODS_PER_YEAR) -> float:
    """Annualized mean excess return over annualized downside risk."""
    risk = downside_risk(returns, required, periods)
    return float(np.mean(np.asarray(returns) - required) * periods / risk) if risk > 0 else float("nan")


def calmar_ratio(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float:
    drawdown = max_drawdown(returns)
    return cagr(returns, periods) / abs(drawdown) if drawdown < 0 else float("nan")


def hit_rate(returns: np.ndarray) -> float:
    """Share of periods with a positive return."""
    return float(np.mean(np.asarray(returns) > 0)) if len(returns) else float("nan")


def alpha_beta(returns: np.ndarray, benchmark: np.ndarray, periods: int = PERIODS_PER_YEAR) -> tuple[float, float]:
    """Beta = cov(r, b) / var(b); alpha = the mean of r - beta b, compounded to a year."""
    r, b = np.asarray(returns), np.asarray(benchmark)
    centered = b - b.mean()
    beta = float(np.mean((r - r.mean()) * centered) / np.mean(centered**2))
    alpha = float((np.mean(r - beta * b) + 1) ** periods - 1)
    return alpha, beta


def information_ratio(returns: np.ndarray, benchmark: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float:
    """Annualized mean active return over its standard deviation (ddof 1)."""
    active = np.asarray(returns) - np.asarray(benchmark)
    spread = np.std(active, ddof=1)
    return float(np.mean(active) / spread * np.sqrt(periods)) if spread > 0 else float("nan")

"""The built-in factors: momentum, reversal, relative momentum, volatility, beta, size, value, quality, liquidity."""

from __future__ import annotations

import numpy as np

from quant.calendar import TRADING_DAYS_PER_YEAR
from quant.factors.math import rolling_beta, rolling_mean, rolling_std
from quant.factors.registry import FactorInputs, factor
from quant.panel import period_return


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _market_cap(x: FactorInputs) -> np.ndarray:
    """Price times shares on one basis as of each day (see FactorInputs.market_cap); NaN without a basis."""
    return x.market_cap()


def _beta_and_residual(x: FactorInputs) -> tuple[np.ndarray, np.ndarray]:
    return x.shared("beta_252d", lambda: rolling_beta(x.returns, x.benchmark_returns, 252, 200))


@factor("momentum_12_1", 252, ("close",), "return from t-252 to t-21")
def momentum_12_1(x: FactorInputs) -> np.ndarray:
    return period_return(x.close, 252, 21)


@factor("momentum_6_1", 126, ("close",), "return from t-126 to t-21")
def momentum_6_1(x: FactorInputs) -> np.ndarray:
    return period_return(x.close, 126, 21)


@factor("reversal_1m", 21, ("close",), "minus the last 21-day return")
def reversal_1m(x: FactorInputs) -> np.ndarray:
    return -period_return(x.close, 21)


@factor("relative_momentum_12m", 252, ("close", "benchmark_close"), "252-day return minus the benchmark's")
def relative_momentum_12m(x: FactorInputs) -> np.ndarray:
    return period_return(x.close, 252) - period_return(x.benchmark_close[:, None], 252)


@factor("volatility_252d", 252, ("returns",), "annualized std of 252 daily returns")
def volatility_252d(x: FactorInputs) -> np.ndarray:
    return rolling_std(x.returns, 252, 200) * np.sqrt(TRADING_DAYS_PER_YEAR)


@factor("beta_252d", 252, ("returns", "benchmark_returns"), "slope of daily returns on the benchmark's, 252 days")
def beta_252d(x: FactorInputs) -> np.ndarray:
    return _beta_and_residual(x)[0]


@factor("idio_vol_252d", 252, ("returns", "benchmark_returns"), "annualized std of the residual from beta_252d")
def idio_vol_252d(x: FactorInputs) -> np.ndarray:
    return np.sqrt(_beta_and_residual(x)[1] * TRADING_DAYS_PER_YEAR)


@factor("size", 0, ("close", "fundamentals", "basis"), "log market cap")
def size(x: FactorInputs) -> np.ndarray:
    cap = _market_cap(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cap > 0, np.log(cap), np.nan)


@factor("book_to_price", 0, ("close", "fundamentals", "basis"), "equity / market cap")
def book_to_price(x: FactorInputs) -> np.ndarray:
    return _ratio(x.fundamental("total_equity"), _market_cap(x))


@factor("earnings_yield", 0, ("close", "fundamentals", "basis"), "net income / market cap")
def earnings_yield(x: FactorInputs) -> np.ndarray:
    return _ratio(x.fundamental("net_income"), _market_cap(x))


@factor("roe", 0, ("fundamentals",), "net income / equity")
def roe(x: FactorInputs) -> np.ndarray:
    return _ratio(x.fundamental("net_income"), x.fundamental("total_equity"))


@factor("gross_profitability", 0, ("fundamentals",), "gross profit / total assets")
def gross_profitability(x: FactorInputs) -> np.ndarray:
    return _ratio(x.fundamental("gross_profit"), x.fundamental("total_assets"))


@factor("adv_21d", 21, ("dollar_volume",), "log of the 21-day average dollar volume")
def adv_21d(x: FactorInputs) -> np.ndarray:
    average = rolling_mean(x.dollar_volume, 21, 15)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(average > 0, np.log(average), np.nan)

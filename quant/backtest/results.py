"""One strategy's backtest as a row of metrics: empyrical's figures, trades, costs and the settings that made it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from quant.backtest import metrics
from quant.backtest.engine import Simulation
from quant.strategies import Strategy

HEADLINE_METRICS = (
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "hit_rate",
    "avg_turnover",
    "alpha",
    "beta",
    "information_ratio",
)


def metrics_row(strategy: Strategy, sim: Simulation, benchmark: pd.Series) -> dict:
    """One row of metrics; benchmark-relative ones over the days the benchmark has a return."""
    r = sim.daily["net_return"].to_numpy()
    aligned = benchmark.reindex(pd.DatetimeIndex(sim.daily["date"])).to_numpy()
    known = np.isfinite(aligned)
    alpha, beta = metrics.alpha_beta(r[known], aligned[known]) if known.sum() > 2 else (np.nan, np.nan)
    return {
        "strategy_id": strategy.strategy_id,
        "start_date": sim.daily["date"].iloc[0],
        "end_date": sim.daily["date"].iloc[-1],
        "frequency": "daily",
        "total_return": metrics.total_return(r),
        "cagr": metrics.cagr(r),
        "annual_volatility": metrics.annual_volatility(r),
        "sharpe": metrics.sharpe_ratio(r),
        "sortino": metrics.sortino_ratio(r),
        "max_drawdown": metrics.max_drawdown(r),
        "calmar": metrics.calmar_ratio(r),
        "hit_rate": metrics.hit_rate(r),
        "profitable_trades": sim.profitable_trades,
        "losing_trades": sim.losing_trades,
        "avg_turnover": float(np.mean(sim.rebalance_turnover)) if len(sim.rebalance_turnover) else 0.0,
        "benchmark": benchmark.name,
        "alpha": alpha,
        "beta": beta,
        "information_ratio": metrics.information_ratio(r[known], aligned[known]) if known.sum() > 2 else np.nan,
        "hyperparameters": json.dumps(strategy.hyperparameters(), sort_keys=True),
        "total_commission": float(sim.daily["commission"].sum()),
        "total_slippage": float(sim.daily["slippage"].sum()),
    }

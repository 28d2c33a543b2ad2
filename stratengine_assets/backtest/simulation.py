"""Backtests over the warehouse: stored or freshly solved rebalances traded through the prices that follow."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from quant.backtest.engine import Simulation, costs_for, simulate
from quant.backtest.results import metrics_row
from quant.calendar import trading_days
from quant.panel import daily_returns, forward_fill
from quant.rebalance import rebalance_dates
from quant.strategies import Strategy
from storage.warehouse import Warehouse
from stratengine_assets.portfolio.rebalance_weights import RebalanceRequest, rebalance_weights_of


def daily_returns_of(store: Warehouse, tickers: list[str], first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Close-to-close returns (days x tickers) over [first, last], a missing close carried from the last one."""
    return returns_and_prices(store, tickers, first, last)[0]


def returns_and_prices(
    store: Warehouse, tickers: list[str], first: pd.Timestamp, last: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """daily_returns_of, and where each name has its own close (days x tickers, bool)."""
    days = trading_days(first, last)
    index = pd.Index(sorted(tickers))
    raw = store.read_panel("prices", "close", days, index)
    returns = pd.DataFrame(daily_returns(forward_fill(raw)), index=days, columns=index)
    return returns, pd.DataFrame(np.isfinite(raw), index=days, columns=index)


def simulate_rebalances(
    store: Warehouse,
    strategy: Strategy,
    rebalances: pd.DataFrame,
    last: pd.Timestamp,
    benchmark: str,
    delisting_return: float | None = None,
) -> tuple[Simulation, pd.Series] | None:
    """Trade rows (rebalance_date, ticker, weight) through `last`; the simulation and the benchmark's returns.
    Names leave at their last price (times 1 + delisting_return when set) once their prices stop."""
    if rebalances.empty:
        return None
    rebalances = rebalances.assign(rebalance_date=pd.to_datetime(rebalances["rebalance_date"]))
    targets = {d: g.set_index("ticker")["weight"] for d, g in rebalances.groupby("rebalance_date")}
    returns, priced = returns_and_prices(store, rebalances["ticker"].unique().tolist(), min(targets), last)
    sim = simulate(targets, returns, costs_for(strategy), priced, delisting_return)
    if sim.daily.empty:
        return None
    return sim, daily_returns_of(store, [benchmark], min(targets), last)[benchmark].rename(benchmark)


@dataclass(frozen=True)
class WindowRun:
    """One backtest over a window: its metrics row (None when it never traded), the rebalances that failed and
    why, and the simulation with the benchmark's returns."""

    metrics: dict | None
    failures: dict[str, str]
    simulation: Simulation | None = None
    benchmark: pd.Series | None = None


def window_run(
    store: Warehouse,
    strategy: Strategy,
    first: pd.Timestamp,
    last: pd.Timestamp,
    benchmark: str,
    delisting_return: float | None = None,
) -> WindowRun:
    """Backtest `strategy` from cash over [first, last] only."""
    return window_runs(store, [strategy], first, last, benchmark, delisting_return)[0]


def window_runs(
    store: Warehouse,
    strategies: list[Strategy],
    first: pd.Timestamp,
    last: pd.Timestamp,
    benchmark: str,
    delisting_return: float | None = None,
) -> list[WindowRun]:
    """window_run of each strategy (a research grid's variants), their rebalances solved side by side and the
    candidates and closes of variants of one strategy read once."""
    requests = [
        RebalanceRequest(s, rebalance_dates(s.rebalance, first, last), pd.Series(dtype="float64")) for s in strategies
    ]
    runs = []
    for strategy, (weights, failures) in zip(strategies, rebalance_weights_of(store, requests), strict=True):
        outcome = simulate_rebalances(store, strategy, weights, last, benchmark, delisting_return)
        runs.append(
            WindowRun(None, failures)
            if outcome is None
            else WindowRun(metrics_row(strategy, *outcome), failures, *outcome)
        )
    return runs

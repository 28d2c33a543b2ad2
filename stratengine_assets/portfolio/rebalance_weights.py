"""A strategy's rebalance weights on given days, from the warehouse's signals, prices and stored books."""

from __future__ import annotations

import pandas as pd

from quant.calendar import shift_trading_days, trading_days
from quant.construction import BETA_FACTOR, MARKET_BETA, equal_weight, solve_rebalances
from quant.strategies import Strategy
from storage.warehouse import Warehouse


def rebalance_weights(
    store: Warehouse, strategy: Strategy, when: pd.DatetimeIndex, held: pd.Series | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rows (ticker, weight, rebalance_date) for the rebalance days `when`, and the days that failed and why.
    An optimized strategy starts from `held`, or from its stored book before when[0] when held is None."""
    if strategy.construction == "top_n_equal_weight":
        return equal_weight(store.top_by_factor(strategy.rank_factor, when, strategy.top_n)), {}
    solved, failures = optimized_rebalances(store, strategy, when, held)
    return (pd.concat(solved, ignore_index=True) if solved else pd.DataFrame()), failures


def optimized_rebalances(
    store: Warehouse, strategy: Strategy, when: pd.DatetimeIndex, held: pd.Series | None = None
) -> tuple[list[pd.DataFrame], dict[str, str]]:
    """Each rebalance day solved in order from the book the one before left (a failed one keeps it)."""
    signals = store.rebalance_candidates(strategy.strategy_id, when, BETA_FACTOR, MARKET_BETA)
    if signals.empty:
        return [], {}
    signals["date"] = pd.to_datetime(signals["date"])
    days = trading_days(shift_trading_days(when[0], -(strategy.covariance_lookback + 1)), when[-1])
    tickers = pd.Index(sorted(signals["ticker"].unique()))
    close = store.read_panel("prices", "close", days, tickers)
    held = store.last_rebalance_book(strategy.strategy_id, when[0]) if held is None else held
    return solve_rebalances(strategy, signals, close, days, tickers, held)

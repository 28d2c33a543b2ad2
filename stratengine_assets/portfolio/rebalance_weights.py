"""A strategy's rebalance weights on given days, from the warehouse's signals, prices and stored books."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from quant.calendar import shift_trading_days, trading_days
from quant.construction import BETA_FACTOR, MARKET_BETA, equal_weight, solve_rebalances
from quant.strategies import Strategy
from storage.warehouse import Warehouse


@dataclass(frozen=True)
class RebalanceInputs:
    """What a strategy's optimized rebalances on some days read: each day's candidates (date, ticker, signal,
    best_rank, worst_rank, beta, sector) and the closes (days x tickers) behind their covariance."""

    signals: pd.DataFrame
    close: np.ndarray
    days: pd.DatetimeIndex
    tickers: pd.Index


def rebalance_inputs(store: Warehouse, strategy: Strategy, when: pd.DatetimeIndex) -> RebalanceInputs:
    """The candidates on `when` and the closes from covariance_lookback + 1 sessions before the first of them."""
    signals = store.rebalance_candidates(strategy.strategy_id, when, BETA_FACTOR, MARKET_BETA)
    if signals.empty:
        return RebalanceInputs(signals, np.empty((0, 0)), pd.DatetimeIndex([]), pd.Index([]))
    signals["date"] = pd.to_datetime(signals["date"])
    days = trading_days(shift_trading_days(when[0], -(strategy.covariance_lookback + 1)), when[-1])
    tickers = pd.Index(sorted(signals["ticker"].unique()))
    return RebalanceInputs(signals, store.read_panel("prices", "close", days, tickers), days, tickers)


@dataclass
class RebalanceReads:
    """rebalance_inputs read once for every run that asks for the same strategy, days and look-back: the variants
    of a research grid differ in what they do with the same candidates and closes."""

    store: Warehouse
    held: dict[tuple, RebalanceInputs] = field(default_factory=dict)

    def inputs(self, strategy: Strategy, when: pd.DatetimeIndex) -> RebalanceInputs:
        key = (strategy.strategy_id, tuple(when), strategy.covariance_lookback)
        if key not in self.held:
            self.held[key] = rebalance_inputs(self.store, strategy, when)
        return self.held[key]


def rebalance_weights(
    store: Warehouse,
    strategy: Strategy,
    when: pd.DatetimeIndex,
    held: pd.Series | None = None,
    reads: RebalanceReads | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rows (ticker, weight, rebalance_date) for the rebalance days `when`, and the days that failed and why.
    An optimized strategy starts from `held`, or from its stored book before when[0] when held is None; `reads`
    shares its inputs with other runs of the strategy."""
    if strategy.construction == "top_n_equal_weight":
        return equal_weight(store.top_by_factor(strategy.rank_factor, when, strategy.top_n)), {}
    solved, failures = optimized_rebalances(store, strategy, when, held, reads)
    return (pd.concat(solved, ignore_index=True) if solved else pd.DataFrame()), failures


def optimized_rebalances(
    store: Warehouse,
    strategy: Strategy,
    when: pd.DatetimeIndex,
    held: pd.Series | None = None,
    reads: RebalanceReads | None = None,
) -> tuple[list[pd.DataFrame], dict[str, str]]:
    """Each rebalance day solved in order from the book the one before left (a failed one keeps it)."""
    inputs = (reads or RebalanceReads(store)).inputs(strategy, when)
    if inputs.signals.empty:
        return [], {}
    held = store.last_rebalance_book(strategy.strategy_id, when[0]) if held is None else held
    return solve_rebalances(strategy, inputs.signals, inputs.close, inputs.days, inputs.tickers, held)

"""Trading simulation: targets set at a close are traded at the next session's close, then drift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from quant.strategies import Strategy

DAILY_COLUMNS = ["date", "gross_return", "commission", "slippage", "cost", "net_return", "turnover"]


@dataclass(frozen=True)
class Costs:
    """Trading costs in basis points of traded notional: broker commission and slippage (spread and impact)."""

    commission_bps: float = 5.0
    slippage_bps: float = 5.0

    @property
    def total_bps(self) -> float:
        return self.commission_bps + self.slippage_bps


@dataclass(frozen=True)
class Simulation:
    daily: pd.DataFrame  # DAILY_COLUMNS
    profitable_trades: int
    losing_trades: int
    rebalance_turnover: np.ndarray  # traded notional / NAV at each rebalance after the first


def simulate(targets: dict[pd.Timestamp, pd.Series], returns: pd.DataFrame, costs: Costs) -> Simulation:
    """Hold each target from the close of the session after its date until the next trade.

    Weights are fractions of NAV; short weights are negative (dollar-neutral books hold their proceeds as
    cash, which earns nothing).

    `returns` holds close-to-close simple returns (rows: trading days, columns: tickers; NaN = no price,
    counted as zero). A trade's turnover is sum|w_target - w_drifted|; its commission and slippage are
    turnover x their bps / 1e4, charged on the trade day. A trade is one name held over one holding period;
    it is profitable when its P&L over that period is positive.
    """
    days = returns.index
    trade_at = {days[days > when][0]: weights for when, weights in sorted(targets.items()) if (days > when).any()}
    trade_days = sorted(trade_at)
    if not trade_days:
        return Simulation(pd.DataFrame(columns=DAILY_COLUMNS), 0, 0, np.array([]))
    r = np.nan_to_num(returns.to_numpy(dtype="float64"))
    position = np.zeros(r.shape[1])
    gross, cost, turnover = np.zeros(len(days)), np.zeros(len(days)), np.zeros(len(days))
    wins = losses = 0
    rebalance_turnover = []
    bounds = [*[days.get_loc(d) for d in trade_days], len(days) - 1]
    for k, day in enumerate(trade_days):
        start, stop = bounds[k], bounds[k + 1]
        target = trade_at[day].reindex(returns.columns).fillna(0.0).to_numpy()
        traded = np.abs(target - position).sum()
        turnover[start], cost[start] = traded, traded * costs.total_bps / 1e4
        if k:
            rebalance_turnover.append(traded)
        growth = np.cumprod(1.0 + r[start + 1 : stop + 1], axis=0)
        if len(growth):
            value = 1.0 + (growth - 1.0) @ target  # NAV relative to the trade; uninvested cash earns nothing
            gross[start + 1 : stop + 1] = value / np.concatenate([[1.0], value[:-1]]) - 1.0
            pnl = target * (growth[-1] - 1.0)
            wins, losses = (
                wins + int((pnl[target != 0] > 0).sum()),
                losses + int((pnl[target != 0] < 0).sum()),
            )
            position = target * growth[-1] / value[-1]
        else:
            position = target
    first = bounds[0]
    daily = pd.DataFrame(
        {
            "date": days[first:],
            "gross_return": gross[first:],
            "commission": cost[first:] * (costs.commission_bps / costs.total_bps if costs.total_bps else 0.0),
            "slippage": cost[first:] * (costs.slippage_bps / costs.total_bps if costs.total_bps else 0.0),
            "cost": cost[first:],
            "net_return": (1.0 + gross[first:]) * (1.0 - cost[first:]) - 1.0,
            "turnover": turnover[first:],
        }
    )
    return Simulation(daily, wins, losses, np.array(rebalance_turnover))


def costs_for(strategy: Strategy) -> Costs:
    """The strategy's commission and slippage."""
    return Costs(strategy.commission_bps, strategy.slippage_bps)

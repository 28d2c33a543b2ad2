"""Trading simulation: targets set at a close are traded at the next session's close, then drift."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from quant.strategies import Strategy

DAILY_COLUMNS = ["date", "gross_return", "commission", "slippage", "cost", "net_return", "turnover"]
EVENT_COLUMNS = ["date", "ticker", "event", "weight", "detail"]


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
    # EVENT_COLUMNS: "delisted" (a held name stopped trading and left at its last price, or that times
    # 1 + the delisting return) and "unfilled" (a target in a name without a price on the trade day)
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EVENT_COLUMNS))


def delisting_days(priced: np.ndarray) -> np.ndarray:
    """Per name, the index of the first day after its last price when that comes before the panel's last day
    (the name stopped trading); -1 for names priced on the last day or never priced."""
    seen = priced.any(axis=0)
    last_bar = len(priced) - 1 - np.argmax(priced[::-1], axis=0)
    return np.where(seen & (last_bar < len(priced) - 1), last_bar + 1, -1)


def exit_returns(returns: np.ndarray, exits: np.ndarray, delisting_return: float | None) -> np.ndarray:
    """Returns with every name that stopped trading flat after its last price, save the delisting return (if set)
    on its exit day: what it held became cash at its last price times 1 + that return."""
    r = np.nan_to_num(returns)
    for column in np.flatnonzero(exits >= 0):
        r[exits[column] :, column] = 0.0
        r[exits[column], column] = 0.0 if delisting_return is None else delisting_return
    return r


def simulate(
    targets: dict[pd.Timestamp, pd.Series],
    returns: pd.DataFrame,
    costs: Costs,
    priced: pd.DataFrame | None = None,
    delisting_return: float | None = None,
) -> Simulation:
    """Hold each target from the close of the session after its date until the next trade.

    Weights are fractions of NAV; short weights are negative (dollar-neutral books hold their proceeds as
    cash, which earns nothing).

    `returns` holds close-to-close simple returns (rows: trading days, columns: tickers; NaN = no price,
    counted as zero); `priced` (same shape, default all True) says where a name has its own close. A trade
    fills only names priced on the trade day: the others keep their drifted weight (an "unfilled" event). A name
    whose prices stop before the panel's last day leaves on the day after its last price, at that price (or times
    1 + delisting_return): from then its weight is cash (a "delisted" event with the weight it left with). A
    trade's turnover is sum|w_target - w_drifted|; its commission and slippage are turnover x their bps / 1e4,
    charged on the trade day. A trade is one name held over one holding period; it is profitable when its P&L
    over that period is positive.
    """
    days = returns.index
    trade_at = {days[days > when][0]: weights for when, weights in sorted(targets.items()) if (days > when).any()}
    trade_days = sorted(trade_at)
    if not trade_days:
        return Simulation(pd.DataFrame(columns=DAILY_COLUMNS), 0, 0, np.array([]))
    has_price = np.ones(returns.shape, dtype=bool) if priced is None else priced.to_numpy(dtype=bool)
    exits = delisting_days(has_price)
    r = exit_returns(returns.to_numpy(dtype="float64"), exits, delisting_return)
    position = np.zeros(r.shape[1])
    gross, cost, turnover = np.zeros(len(days)), np.zeros(len(days)), np.zeros(len(days))
    wins = losses = 0
    rebalance_turnover, events = [], []
    bounds = [*[days.get_loc(d) for d in trade_days], len(days) - 1]
    for k, day in enumerate(trade_days):
        start, stop = bounds[k], bounds[k + 1]
        position[(exits >= 0) & (exits <= start)] = 0.0  # what a delisted name held is cash now
        wanted = trade_at[day].reindex(returns.columns).fillna(0.0).to_numpy()
        target = np.where(has_price[start], wanted, position)
        events += _unfilled(days[start], returns.columns, wanted, target)
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
            events += _delisted(days, returns.columns, exits, start, stop, target, growth, value, delisting_return)
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
    return Simulation(daily, wins, losses, np.array(rebalance_turnover), pd.DataFrame(events, columns=EVENT_COLUMNS))


def _unfilled(day: pd.Timestamp, tickers: pd.Index, wanted: np.ndarray, target: np.ndarray) -> list[dict]:
    """An "unfilled" event per name whose wanted weight could not be traded for want of a price."""
    missed = np.flatnonzero(~np.isclose(wanted, target, rtol=0.0, atol=1e-12))
    return [
        {
            "date": day,
            "ticker": tickers[i],
            "event": "unfilled",
            "weight": float(wanted[i]),
            "detail": f"no price on the trade day: target {wanted[i]:.4f}, kept {target[i]:.4f}",
        }
        for i in missed
    ]


def _delisted(days, tickers, exits, start, stop, target, growth, value, delisting_return) -> list[dict]:
    """A "delisted" event per held name whose exit day falls in the holding period (start, stop]."""
    out = []
    for i in np.flatnonzero((exits > start) & (exits <= stop) & (target != 0)):
        before = exits[i] - start - 1  # rows of growth before the exit day
        weight = target[i] if before == 0 else target[i] * growth[before - 1, i] / value[before - 1]
        how = "at its last price" if delisting_return is None else f"at its last price x (1 {delisting_return:+.2%})"
        out.append(
            {
                "date": days[exits[i]],
                "ticker": tickers[i],
                "event": "delisted",
                "weight": float(weight),
                "detail": f"last price {days[exits[i] - 1].date()}; left {how}",
            }
        )
    return out


def costs_for(strategy: Strategy) -> Costs:
    """The strategy's commission and slippage."""
    return Costs(strategy.commission_bps, strategy.slippage_bps)

"""The investor's portfolio: whole shares of a strategy's latest target for an amount, and the trades to get there."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from quant.rebalance import rebalance_dates

MODES = ("lump_sum", "sip")


@dataclass(frozen=True)
class InvestorPlan:
    holdings: pd.DataFrame  # ticker, weight, price, shares, value, current_shares, trade_shares
    cash_left: float
    as_of: pd.Timestamp
    hold_until: pd.Timestamp

    def summary(self) -> str:
        lines = [
            self.holdings.to_string(
                index=False,
                formatters={"weight": "{:.2%}".format, "price": "{:,.2f}".format, "value": "{:,.2f}".format},
            )
        ]
        lines.append(
            f"cash left {self.cash_left:,.2f}; prices of {self.as_of.date()}; "
            f"hold until the next rebalance on {self.hold_until.date()}"
        )
        return "\n".join(lines)


def plan(
    targets: pd.DataFrame,
    prices: pd.Series,
    amount: float,
    mode: str,
    current: pd.Series,
    as_of: pd.Timestamp,
    rebalance: str,
) -> InvestorPlan:
    """Whole-share quantities at the latest closes.

    lump_sum invests `amount` plus the value of the current holdings at the target weights (buys and sells);
    sip adds `amount` (one monthly instalment) and only buys, toward the target weights, never selling.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if amount <= 0:
        raise ValueError("amount must be positive")
    book = targets[targets["weight"] > 0].set_index("ticker")["weight"]
    missing = [t for t in book.index if not np.isfinite(prices.get(t, np.nan))]
    if missing:
        raise ValueError(f"no latest close for {missing}")
    tickers = sorted(set(book.index) | set(current.index))
    price = prices.reindex(tickers)
    held = current.reindex(tickers).fillna(0.0)
    weight = book.reindex(tickers).fillna(0.0)
    wealth = float((held * price).fillna(0.0).sum()) + amount
    wanted = np.floor(weight * wealth / price).fillna(0.0)
    if mode == "sip":
        buys = np.maximum(wanted - held, 0.0)
        buys = np.floor(buys * min(1.0, amount / max(float((buys * price).sum()), 1e-9)))
        wanted = held + buys
    spent = float(((wanted - held) * price).fillna(0.0).sum())
    holdings = pd.DataFrame(
        {
            "ticker": tickers,
            "weight": weight.to_numpy(),
            "price": price.to_numpy(),
            "shares": wanted.to_numpy(),
            "value": (wanted * price).to_numpy(),
            "current_shares": held.to_numpy(),
            "trade_shares": (wanted - held).to_numpy(),
        }
    )
    holdings = holdings[(holdings["shares"] != 0) | (holdings["current_shares"] != 0)]
    following = rebalance_dates(rebalance, as_of + pd.Timedelta(days=1), as_of + pd.Timedelta(days=400))
    return InvestorPlan(holdings.reset_index(drop=True), amount - spent, as_of, following[0])

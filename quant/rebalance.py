"""Rebalance calendars: which trading days a strategy re-optimizes on, and weights carried between them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quant.calendar import TRADING_DAYS_PER_YEAR, month_end_trading_days, trading_days

LOOKBACK_CALENDAR_DAYS = 45
REBALANCES_PER_YEAR = {"month_end": 12, "week_end": 52, "daily": TRADING_DAYS_PER_YEAR}
REBALANCE_RULES = tuple(REBALANCES_PER_YEAR)


def rebalance_dates(rule: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """Rebalance days in [first, last]: last trading day of each month or week, or every day."""
    if rule == "month_end":
        return month_end_trading_days(first, last)
    days = trading_days(first, last + pd.Timedelta(days=7))
    if rule == "daily":
        return days[days <= last]
    if rule == "week_end":
        weeks = days.to_period("W")
        ends = days[np.append(weeks[1:] != weeks[:-1], True)]
        return ends[ends <= last]
    raise ValueError(f"unknown rebalance rule {rule!r}")


def rebalances_for_window(rule: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """Rebalances inside [first, last] plus the latest one before first, whose weights carry into it."""
    before = rebalance_dates(rule, first - pd.Timedelta(days=LOOKBACK_CALENDAR_DAYS), first - pd.Timedelta(days=1))
    inside = rebalance_dates(rule, first, last)
    return inside if before.empty else before[-1:].append(inside)


def carry_forward(days: pd.DatetimeIndex, rebalances: pd.DatetimeIndex) -> np.ndarray:
    """For each day, the index of the latest rebalance on or before it (-1 where none)."""
    return np.searchsorted(rebalances.to_numpy(), days.to_numpy(), side="right") - 1


def carry_weights(solved: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Rows (date, ticker, weight, rebalance_date): each rebalance's weights repeated on every day until the next."""
    solved = solved.sort_values("rebalance_date", kind="stable").reset_index(drop=True)
    stamps = solved["rebalance_date"].to_numpy()
    rebalances = np.unique(stamps)
    source = carry_forward(days, pd.DatetimeIndex(rebalances))
    held = source >= 0
    starts = np.searchsorted(stamps, rebalances, side="left")[source[held]]
    sizes = (np.searchsorted(stamps, rebalances, side="right") - np.searchsorted(stamps, rebalances))[source[held]]
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    rows = solved.iloc[np.repeat(starts, sizes) + offsets].reset_index(drop=True)
    return rows.assign(date=np.repeat(days[held], sizes))

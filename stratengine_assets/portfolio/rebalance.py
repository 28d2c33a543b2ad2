"""Rebalance calendars: which trading days a strategy re-optimizes on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from partitions.trading_calendar import month_end_trading_days, trading_days

LOOKBACK_CALENDAR_DAYS = 45


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

"""NYSE trading calendar: weekdays minus the exchange's full-day closures."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

TRADING_DAYS_PER_YEAR = 252
CALENDAR_DAYS_PER_SESSION = 1.6  # about 1.45 in practice; the margin covers holiday-dense stretches


@lru_cache(maxsize=8)
def _closures(first_year: int, last_year: int) -> frozenset[dt.date]:
    nyse = holidays.financial_holidays("NYSE", years=range(first_year, last_year + 1))
    return frozenset(d for d in nyse if d.weekday() < 5)


def exchange_closures(start: dt.date, end: dt.date) -> list[dt.date]:
    """Weekday full-day NYSE closures between start and end, inclusive, sorted."""
    return sorted(d for d in _closures(start.year, end.year) if start <= d <= end)


def trading_days(start: dt.date | str, end: dt.date | str) -> pd.DatetimeIndex:
    """Trading days from start to end inclusive."""
    start, end = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    if end < start:
        return pd.DatetimeIndex([])
    closed = np.array(exchange_closures(start, end), dtype="datetime64[D]")
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    days = days[np.is_busday(days, holidays=closed)]
    return pd.DatetimeIndex(days)


def next_trading_day(day: dt.date | str) -> pd.Timestamp:
    day = pd.Timestamp(day)
    return trading_days(day + pd.Timedelta(days=1), day + pd.Timedelta(days=15))[0]


def shift_trading_days(day: dt.date | str, n: int) -> pd.Timestamp:
    """The trading day n sessions after (n > 0) or before (n < 0) day; day itself need not trade."""
    day = pd.Timestamp(day)
    if n == 0:
        return day
    span = pd.Timedelta(days=int(abs(n) * CALENDAR_DAYS_PER_SESSION) + 15)
    if n > 0:
        return trading_days(day + pd.Timedelta(days=1), day + span)[n - 1]
    return trading_days(day - span, day - pd.Timedelta(days=1))[n]


def month_end_trading_days(start: dt.date | str, end: dt.date | str) -> pd.DatetimeIndex:
    """Last trading day of each month whose last trading day falls in [start, end]."""
    days = trading_days(start, pd.Timestamp(end) + pd.Timedelta(days=10))
    periods = days.to_period("M")
    last = days[np.append(periods[1:] != periods[:-1], True)]
    if len(last) and last[-1] > pd.Timestamp(end):
        last = last[last <= pd.Timestamp(end)]
    return last


def sessions_around(first: dt.date | str, last: dt.date | str, before: int = 0, after: int = 5) -> pd.DatetimeIndex:
    """Trading days from `before` sessions before first to `after` sessions after last."""
    start = shift_trading_days(first, -before) if before else pd.Timestamp(first)
    return trading_days(start, shift_trading_days(last, after))

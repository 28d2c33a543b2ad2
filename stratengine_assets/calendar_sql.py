"""Trading-day helpers shared by the date-partitioned assets."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from dagster import AssetExecutionContext

from partitions.trading_calendar import next_trading_day, shift_trading_days, trading_days


def partition_dates(context: AssetExecutionContext) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last trading day of the partition range this run materializes."""
    keys = context.partition_key_range
    return pd.Timestamp(keys.start), pd.Timestamp(keys.end)


def partition_window(context: AssetExecutionContext) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) in calendar time: from the first trading day up to the session after the last one."""
    first, last = partition_dates(context)
    return first, next_trading_day(last)


def register_calendar(
    conn: duckdb.DuckDBPyConnection,
    first: pd.Timestamp,
    last: pd.Timestamp,
    lookback: int = 0,
    ahead: int = 5,
) -> pd.DatetimeIndex:
    """Expose trading days [first - lookback, last + ahead] to SQL as `calendar(date, day_index, next_date)`."""
    start = shift_trading_days(first, -lookback) if lookback else first
    days = trading_days(start, shift_trading_days(last, ahead))
    frame = pd.DataFrame(
        {
            "date": days.date,
            "day_index": np.arange(len(days), dtype="int64"),
            "next_date": np.append(days[1:].date, [None]),
        }
    )
    conn.register("calendar", frame)
    return days[(days >= start) & (days <= last)]

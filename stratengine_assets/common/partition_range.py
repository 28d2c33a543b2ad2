"""The trading days a run materializes, from its partition key range."""

from __future__ import annotations

import pandas as pd
from dagster import AssetExecutionContext

from quant.calendar import next_trading_day


def partition_dates(context: AssetExecutionContext) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last trading day of the partition range this run materializes."""
    keys = context.partition_key_range
    return pd.Timestamp(keys.start), pd.Timestamp(keys.end)


def partition_window(context: AssetExecutionContext) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) in calendar time: from the first trading day up to the session after the last one."""
    first, last = partition_dates(context)
    return first, next_trading_day(last)

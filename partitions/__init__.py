"""Partition sets: trading months and tickers."""

from partitions.definitions import (
    month_key,
    month_keys,
    month_span,
    range_tags,
    tickers_partitions,
    trading_month_partitions,
)

__all__ = ["month_key", "month_keys", "month_span", "range_tags", "tickers_partitions", "trading_month_partitions"]

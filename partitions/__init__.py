"""Partition sets: trading months, ticker groups, and the registry of known tickers."""

from partitions.definitions import (
    month_key,
    month_keys,
    month_span,
    range_tags,
    ticker_group,
    ticker_group_partitions,
    ticker_groups,
    tickers_partitions,
    trading_month_partitions,
)

__all__ = [
    "month_key",
    "month_keys",
    "month_span",
    "range_tags",
    "ticker_group",
    "ticker_group_partitions",
    "ticker_groups",
    "tickers_partitions",
    "trading_month_partitions",
]

"""Partition definitions shared by every StratEngine asset."""

from partitions.definitions import tickers_partitions, trading_day_partitions

__all__ = ["tickers_partitions", "trading_day_partitions"]

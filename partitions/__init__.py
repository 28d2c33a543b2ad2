"""Partition definitions shared by every StratEngine asset."""

from partitions.definitions import range_tags, tickers_partitions, trading_day_partitions

__all__ = ["range_tags", "tickers_partitions", "trading_day_partitions"]

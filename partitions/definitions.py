"""The two partition sets: trading days for the time series, tickers for per-name assets."""

from __future__ import annotations

import datetime as dt

from dagster import DagsterInstance, DynamicPartitionsDefinition, TimeWindowPartitionsDefinition

from quant.calendar import exchange_closures
from resources.settings import calendar_start

TRADING_DAY_FORMAT = "%Y-%m-%d"
CALENDAR_HORIZON_YEARS = 2  # partitions exist through the end of the year after next


def build_trading_day_partitions(start: dt.date | None = None) -> TimeWindowPartitionsDefinition:
    """Weekday partitions from start, excluding every NYSE full-day closure."""
    start = start or calendar_start()
    horizon = dt.date(dt.date.today().year + CALENDAR_HORIZON_YEARS, 12, 31)
    closures = [dt.datetime.combine(d, dt.time()) for d in exchange_closures(start, horizon)]
    return TimeWindowPartitionsDefinition(
        start=dt.datetime.combine(start, dt.time()),
        fmt=TRADING_DAY_FORMAT,
        cron_schedule="0 0 * * 1-5",
        exclusions=closures,
        end_offset=1,
    )


trading_day_partitions = build_trading_day_partitions()
tickers_partitions = DynamicPartitionsDefinition(name="tickers")


def add_tickers(instance: DagsterInstance, tickers: list[str]) -> list[str]:
    """Add the tickers not yet known to the `tickers` partitions; return every known ticker."""
    known = set(instance.get_dynamic_partitions(tickers_partitions.name))
    new = sorted(set(tickers) - known)
    if new:
        instance.add_dynamic_partitions(tickers_partitions.name, new)
    return instance.get_dynamic_partitions(tickers_partitions.name)


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run materialize the partition key range [first, last]."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}

"""The two partition sets: trading days for the time series, tickers for per-name assets."""

from __future__ import annotations

import datetime as dt

from dagster import DagsterInstance, DynamicPartitionsDefinition, TimeWindowPartitionsDefinition

from quant.calendar import exchange_closures
from resources.settings import calendar_end, calendar_start

TRADING_DAY_FORMAT = "%Y-%m-%d"
CALENDAR_HORIZON_YEARS = 2  # partitions exist through the end of the year after next


def build_trading_day_partitions(
    start: dt.date | None = None, end: dt.date | None = None
) -> TimeWindowPartitionsDefinition:
    """Weekday partitions from start (through end when given, else through today), excluding every NYSE full-day
    closure."""
    start, end = start or calendar_start(), end or calendar_end()
    horizon = end or dt.date(dt.date.today().year + CALENDAR_HORIZON_YEARS, 12, 31)
    closures = [dt.datetime.combine(d, dt.time()) for d in exchange_closures(start, horizon)]
    return TimeWindowPartitionsDefinition(
        start=dt.datetime.combine(start, dt.time()),
        fmt=TRADING_DAY_FORMAT,
        cron_schedule="0 0 * * 1-5",
        exclusions=closures,
        end=None if end is None else dt.datetime.combine(_next_weekday(end), dt.time()),
        end_offset=0 if end is not None else 1,
    )


def _next_weekday(day: dt.date) -> dt.date:
    """The cron tick that closes `day`'s partition window (a Friday's window ends on Monday)."""
    following = day + dt.timedelta(days=1)
    while following.weekday() >= 5:
        following += dt.timedelta(days=1)
    return following


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

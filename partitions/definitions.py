"""The partition sets: trading months for the time series, ticker groups for per-name assets.

A time-series asset is partitioned by month, not by day: Dagster writes one event per materialized partition (about
15-20 ms each here, bench/event_log.py), so ten daily assets over ten years spent most of a fund-size build on
bookkeeping. The unit of work is still the trading day: a run builds the days of its months that are stale or never
built (stratengine_assets/common/partition_range.py), so a new day costs that day's work and one event per asset.
Per-name assets are partitioned by the ticker's first character (36 groups) for the same reason: 5,000 ticker
partitions were 5,000 events per asset. The ticker stays their unit of work (common/ticker_range.py), and the known
tickers are kept as the dynamic partition set `tickers` (a registry no asset is partitioned by).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable

import pandas as pd
from dagster import (
    DagsterInstance,
    DynamicPartitionsDefinition,
    StaticPartitionsDefinition,
    TimeWindowPartitionsDefinition,
)

from resources.settings import calendar_end, calendar_start

MONTH_FORMAT = "%Y-%m"
MIN_SESSIONS_PER_MONTH = 19  # the fewest NYSE sessions a calendar month holds (a February with a holiday)


def build_trading_month_partitions(
    start: dt.date | None = None, end: dt.date | None = None
) -> TimeWindowPartitionsDefinition:
    """Calendar-month partitions from start's month through end's month when given, else through the current
    month (the one in progress included)."""
    start, end = start or calendar_start(), end or calendar_end()
    return TimeWindowPartitionsDefinition(
        start=dt.datetime(start.year, start.month, 1),
        fmt=MONTH_FORMAT,
        cron_schedule="0 0 1 * *",
        end=None if end is None else dt.datetime.combine(_month_after(end), dt.time()),
        end_offset=0 if end is not None else 1,
    )


def _month_after(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_key(day: dt.date | str | pd.Timestamp) -> str:
    """The partition key of the month holding the day."""
    return pd.Timestamp(day).strftime(MONTH_FORMAT)


def month_keys(days: Iterable[str | pd.Timestamp]) -> list[str]:
    """The partition keys of the months holding these days, in order, each once."""
    return sorted({month_key(day) for day in days})


def month_span(first_key: str, last_key: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) in calendar time of the months first_key..last_key."""
    start = pd.Timestamp(dt.datetime.strptime(first_key, MONTH_FORMAT))
    last = dt.datetime.strptime(last_key, MONTH_FORMAT).date()
    return start, pd.Timestamp(_month_after(last))


def months_reaching(sessions: int) -> int:
    """How many months a window of this many sessions can reach back (or ahead) from a day: a month partition's
    offset that covers a day window's."""
    return -(-abs(sessions) // MIN_SESSIONS_PER_MONTH) if sessions else 0


trading_month_partitions = build_trading_month_partitions()
tickers_partitions = DynamicPartitionsDefinition(name="tickers")  # the registry of known tickers
TICKER_GROUPS = [*string.digits, *string.ascii_uppercase]  # a ticker's group is its first character, in sort order
ticker_group_partitions = StaticPartitionsDefinition(TICKER_GROUPS)


def ticker_group(ticker: str) -> str:
    """The partition key of the group holding the ticker."""
    return ticker[0]


def ticker_groups(tickers: Iterable[str]) -> list[str]:
    """The group keys of these tickers, in partition order, each once."""
    wanted = {ticker_group(ticker) for ticker in tickers}
    return [group for group in TICKER_GROUPS if group in wanted]


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

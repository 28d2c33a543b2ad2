"""The policies assets share: partitions, single-run backfills, and the warehouse writer pool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagster import BackfillPolicy, PartitionsDefinition, asset

from partitions import tickers_partitions, trading_day_partitions

WRITER_POOL = "duckdb"  # one writer at a time on the warehouse file


def warehouse_asset(*, group_name: str, kinds: set[str], **kwargs: Any):
    """@asset that writes the warehouse: one writer at a time."""
    return asset(pool=WRITER_POOL, group_name=group_name, kinds=kinds, **kwargs)


def partitioned_asset(partitions: PartitionsDefinition, **kwargs: Any):
    """A warehouse asset over `partitions`; a backfill of any set of keys is one run."""
    return warehouse_asset(partitions_def=partitions, backfill_policy=BackfillPolicy.single_run(), **kwargs)


def trading_day_asset(*, deps: Sequence[Any] = (), **kwargs: Any):
    """A warehouse asset partitioned by trading day."""
    return partitioned_asset(trading_day_partitions, deps=list(deps), **kwargs)


def ticker_asset(**kwargs: Any):
    """A warehouse asset partitioned by ticker."""
    return partitioned_asset(tickers_partitions, **kwargs)

"""The one policy every trading-day asset shares: partitions, single-run backfills, the DuckDB writer pool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagster import BackfillPolicy, asset

from partitions import trading_day_partitions


def trading_day_asset(*, group_name: str, kinds: set[str], deps: Sequence[Any] = (), **kwargs: Any):
    """@asset partitioned by trading day; a backfill of any range is one run; one DuckDB writer at a time."""
    return asset(
        partitions_def=trading_day_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool="duckdb",
        group_name=group_name,
        kinds=kinds,
        deps=list(deps),
        **kwargs,
    )

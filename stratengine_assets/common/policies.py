"""The policies assets share: partitions, how a backfill splits into runs, and the warehouse writer pool."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from dagster import AssetsDefinition, BackfillPolicy, PartitionsDefinition, asset

from partitions import tickers_partitions, trading_day_partitions
from resources.settings import backfill_partitions_per_run
from stratengine_assets.common.metadata import column_schema, readable_result

# the steps that write the warehouse; its limit is the instance's (deploy/dagster.yaml): 1 for a DuckDB file (its
# writers queue on a file lock anyway), more for DuckLake, whose writers commit concurrently
WRITER_POOL = "warehouse"


def warehouse_asset(*, group_name: str, kinds: set[str], **kwargs: Any) -> Callable[[Callable], AssetsDefinition]:
    """@asset that writes the warehouse (one writer at a time), its table's column schema in its definition and
    its materialization metadata made readable (stratengine_assets/common/metadata.py)."""

    def decorate(compute: Callable) -> AssetsDefinition:
        @functools.wraps(compute)
        def readable_compute(*args: Any, **kw: Any) -> Any:
            return readable_result(compute(*args, **kw))

        metadata = {**column_schema(compute.__name__), **kwargs.pop("metadata", {})}
        return asset(pool=WRITER_POOL, group_name=group_name, kinds=kinds, metadata=metadata, **kwargs)(
            readable_compute
        )

    return decorate


def backfill_policy() -> BackfillPolicy:
    """One run per backfill, or runs of at most STRATENGINE_BACKFILL_PARTITIONS_PER_RUN keys, which the daemon runs
    side by side (for a warehouse several writers share)."""
    per_run = backfill_partitions_per_run()
    return BackfillPolicy.multi_run(per_run) if per_run else BackfillPolicy.single_run()


def partitioned_asset(partitions: PartitionsDefinition, **kwargs: Any):
    """A warehouse asset over `partitions`; a backfill's keys run in one vectorized pass per run."""
    return warehouse_asset(partitions_def=partitions, backfill_policy=backfill_policy(), **kwargs)


def trading_day_asset(*, deps: Sequence[Any] = (), **kwargs: Any):
    """A warehouse asset partitioned by trading day."""
    return partitioned_asset(trading_day_partitions, deps=list(deps), **kwargs)


def ticker_asset(**kwargs: Any):
    """A warehouse asset partitioned by ticker."""
    return partitioned_asset(tickers_partitions, **kwargs)

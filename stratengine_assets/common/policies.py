"""The policies assets share: partitions, how a backfill splits into runs, and the warehouse writer pool."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from partitions import ticker_group_partitions, trading_month_partitions
from resources.settings import backfill_partitions_per_run, pass_sessions
from stratengine_assets.common.metadata import column_schema, readable_result
from stratengine_assets.common.partition_range import Span, building, pieces, work_spans
from stratengine_assets.common.ticker_range import building_tickers, run_tickers

# the steps that write the warehouse; its limit is the instance's (deploy/dagster.yaml): 1 for a DuckDB file (its
# writers queue on a file lock anyway), more for DuckLake, whose writers commit concurrently
WRITER_POOL = "warehouse"
SHOWN_TICKERS = 20  # tickers named in a run's metadata


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


def trading_day_asset(
    *,
    deps: Sequence[Any] = (),
    hold: bool = True,
    in_pieces: bool = False,
    cut_on: Callable[[pd.DatetimeIndex], np.ndarray] | None = None,
    **kwargs: Any,
):
    """A warehouse asset partitioned by trading month whose compute builds trading days: it runs once per span of
    days its run builds (common/partition_range.py; `hold`: never on a day the hold rule keeps back), with
    partition_dates() answering for that span. `in_pieces`: a span longer than STRATENGINE_PASS_SESSIONS is built
    in pieces of at most that many sessions (each its own pass, reading its own look-back), cut where possible on
    the days `cut_on` marks among a span's: memory stays at a piece's however long the history."""

    checks = [spec.name for spec in kwargs.get("check_specs", [])]

    def decorate(compute: Callable) -> AssetsDefinition:
        @functools.wraps(compute)
        def by_spans(context: AssetExecutionContext, *args: Any, **kw: Any) -> Any:
            with (kw.get("warehouse") or context.resources.warehouse).session() as store:
                found = work_spans(context, store, compute.__name__, hold)
            work = [piece for span in found for piece in pieces(span, pass_sessions(), cut_on)] if in_pieces else found
            results = []
            for span in work:
                with building(span):
                    results.append(compute(context, *args, **kw))
            return merged(results, found, checks)

        return partitioned_asset(trading_month_partitions, deps=list(deps), **kwargs)(by_spans)

    return decorate


def merged(results: list[Any], found: list[Span], checks: list[str]) -> MaterializeResult:
    """One result for a run's spans: the last span's metadata, rows summed over them, and the days built."""
    built = {"days_built": MetadataValue.text(", ".join(_span_text(span) for span in found) or "none (all current)")}
    if not results:
        return nothing_built(built, checks)
    rows = [r.metadata.get("rows") for r in results if r.metadata]
    metadata = {**(results[-1].metadata or {}), **built}
    if rows and all(isinstance(n, int) for n in rows):
        metadata["rows"] = sum(rows)
    checks = {check.check_name: check for r in results for check in (r.check_results or []) if not check.passed}
    checks = {**{check.check_name: check for check in results[-1].check_results or []}, **checks}
    return results[-1]._replace(metadata=metadata, check_results=list(checks.values()))


def nothing_built(metadata: dict[str, Any], checks: list[str]) -> MaterializeResult:
    """The result of a run with nothing stale in its partitions: no row written, so each check holds for the zero
    rows it would read (Dagster needs a result for every declared check)."""
    results = [AssetCheckResult(check_name=name, passed=True, metadata={"rows_checked": 0}) for name in checks]
    return MaterializeResult(metadata={"rows": 0, **metadata}, check_results=results)


def _span_text(span: Span) -> str:
    first, last = (day.date() for day in span)
    return str(first) if first == last else f"{first}..{last}"


def ticker_asset(**kwargs: Any):
    """A warehouse asset partitioned by ticker group whose compute builds tickers: the ones its run builds
    (common/ticker_range.py), with partition_tickers() answering; none to build, no call."""

    checks = [spec.name for spec in kwargs.get("check_specs", [])]

    def decorate(compute: Callable) -> AssetsDefinition:
        @functools.wraps(compute)
        def by_tickers(context: AssetExecutionContext, *args: Any, **kw: Any) -> Any:
            with (kw.get("warehouse") or context.resources.warehouse).session() as store:
                tickers = run_tickers(context, store, compute.__name__)
            if not tickers:
                return nothing_built({"tickers": 0, "tickers_built": "none (all current)"}, checks)
            with building_tickers(tickers):
                result = compute(context, *args, **kw)
            shown = ", ".join(tickers[:SHOWN_TICKERS]) + (" ..." if len(tickers) > SHOWN_TICKERS else "")
            return result._replace(metadata={**(result.metadata or {}), "tickers_built": MetadataValue.text(shown)})

        return partitioned_asset(ticker_group_partitions, **kwargs)(by_tickers)

    return decorate

"""prices: one validated bar per ticker and trading day, from the best-ranked vendor whose row passes the rules."""

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
)

from quant.calendar import sessions_around
from resources import PipelineSettings, WarehouseResource
from storage.models import PricesModel
from storage.warehouse import at_least, before, eq
from stratengine_assets.common.checks import stored_check
from stratengine_assets.common.metadata import quarantine_sample
from stratengine_assets.common.partition_range import partition_dates, partition_days, partition_window
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.common.staleness import report_changes, settle, stale_reasons
from stratengine_assets.common.windows import PRICE_REACH, reads
from stratengine_assets.ingestion.raw_prices import raw_prices


@trading_day_asset(
    group_name="ingestion",
    kinds={"duckdb"},
    deps=[reads("prices", raw_prices)],
    hold=False,
    check_specs=[
        AssetCheckSpec(
            "prices_valid",
            asset="prices",
            blocking=True,
            description="every row passes PricesModel; downstream waits for it",
        ),
        AssetCheckSpec(
            "vendors_agree",
            asset="prices",
            description="valid closes from different vendors differ by at most the tolerance",
        ),
    ],
)
def prices(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Canonical daily bars: each ticker from the best-ranked vendor whose row passes validation.

    Rows failing a rule go to quarantine with the reason, vendor, file and line; a lower-ranked vendor's
    valid row stands in for a rejected or missing one. Vendors missing from STRATENGINE_PRICE_VENDORS rank
    after every listed one.
    """
    first, last = partition_dates(context)
    start, end = partition_window(context)
    window = (at_least("date", start), before("date", end))
    rules = settings.price_rules()
    calendar = sessions_around(first, last, before=PRICE_REACH, after=PRICE_REACH)
    with warehouse.session() as store:
        why = stale_reasons(store, "prices", partition_days(context))
        with store.transaction():  # the rows and the report of the days they changed, or neither
            found = store.rebuild_prices(calendar, start, end, rules)
            report_changes(store, "prices", [str(pd.Timestamp(day).date()) for day in found.changed_days], why)
        by_vendor = store.count_by("prices", "vendor", *window)
        written = sum(by_vendor.values())
        reasons = store.count_by("quarantine", "reason", eq("dataset", "prices"), *window)
        held = store.read("quarantine", eq("dataset", "prices"), *window, order_by=["date", "ticker"], limit=20)
        raw = store.count("raw_prices", *window)
        if raw and not written:
            raise Failure(f"prices: all {raw:,} raw rows of {first.date()}..{last.date()} were rejected: {reasons}")
        valid = stored_check("prices_valid", store, "prices", PricesModel, *window)
        settle(store, "prices", partition_days(context))
    if len(found.missing):
        context.log.warning(f"no vendor priced {len(found.missing)} name-days, e.g. {_examples(found.missing)}")
    return MaterializeResult(
        metadata={
            "rows": written,
            "quarantined": sum(reasons.values()),
            "quarantined_by_reason": MetadataValue.json(reasons),
            **({"quarantined_rows": quarantine_sample(held)} if len(held) else {}),
            "rows_by_vendor": MetadataValue.json(dict(sorted(by_vendor.items(), key=lambda item: -item[1]))),
            "missing_names": len(found.missing),
            "missing_examples": MetadataValue.json(_examples(found.missing)),
            "kept_extreme_moves": len(found.kept_moves),
            "days_changed": len(found.changed_days),
            "kept_moves": MetadataValue.md(_table(found.kept_moves)),
        },
        check_results=[
            valid,
            _agreement(found.disagreements, rules.vendor_tolerance),
        ],
    )


def _examples(frame: pd.DataFrame, limit: int = 20) -> list[str]:
    return [f"{row.ticker} {pd.Timestamp(row.date).date()}" for row in frame.head(limit).itertuples()]


def _table(frame: pd.DataFrame, limit: int = 20) -> str:
    return frame.head(limit).astype(str).to_markdown(index=False) if len(frame) else "none"


def _agreement(disagreeing: pd.DataFrame, tolerance: float) -> AssetCheckResult:
    """Vendors that disagree do not block the run; the names and sizes are shown for review."""
    shown = _table(disagreeing)
    return AssetCheckResult(
        check_name="vendors_agree",
        passed=disagreeing.empty,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "disagreements": len(disagreeing),
            "tolerance": tolerance,
            "names": MetadataValue.json(sorted(disagreeing["ticker"].unique().tolist())),
            "largest": MetadataValue.md(shown),
        },
    )

"""raw_prices (every vendor row as delivered) and prices (one validated row per ticker and trading day)."""

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from resources import LandingZoneResource, WarehouseResource
from resources.warehouse import replace_slice, transaction
from resources.warehouse_models import PricesModel
from stratengine_assets.calendar_sql import partition_dates, partition_window, register_calendar
from stratengine_assets.ingestion.manifest import load_price_rows, mark_ingested
from stratengine_assets.ingestion.price_rules import apply_rules, disagreements, missing_names, vendor_tolerance
from stratengine_assets.settings import price_vendor_ranking
from stratengine_assets.table_checks import schema_check
from stratengine_assets.trading_day_asset import trading_day_asset

RAW_COLUMNS = [
    "date",
    "ticker",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "vendor",
    "source_file",
    "source_line",
]


@trading_day_asset(
    group_name="ingestion",
    kinds={"duckdb"},
)
def raw_prices(
    context: AssetExecutionContext, warehouse: WarehouseResource, landing_zone: LandingZoneResource
) -> MaterializeResult:
    """Every price row the landed vendor files hold for the partitions' dates, with vendor, file and line."""
    start, end = partition_window(context)
    with warehouse.get_connection() as conn:
        batch = load_price_rows(conn, landing_zone, start, end)
        rows = pd.concat(batch.rows) if batch.rows else pd.DataFrame(columns=RAW_COLUMNS)
        rows = rows[RAW_COLUMNS].assign(ingested_at=pd.Timestamp.now(tz="UTC").tz_localize(None))
        rows["ticker"] = rows["ticker"].astype("object")
        with transaction(conn):
            written = replace_slice(conn, "raw_prices", rows, "date >= ? AND date < ?", [start, end])
            mark_ingested(conn, sorted(rows["source_file"].unique()))
    for path, error in batch.failed.items():
        context.log.warning(f"price file not ingested: {path}: {error}")
    return MaterializeResult(
        metadata={
            "rows": written,
            "files_read": batch.files_read,
            "failed_files": MetadataValue.json(batch.failed),
        }
    )


@trading_day_asset(
    group_name="ingestion",
    kinds={"duckdb"},
    deps=[raw_prices],
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
def prices(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Canonical daily bars: each ticker from the best-ranked vendor whose row passes validation.

    Rows failing a rule go to quarantine with the reason, vendor, file and line; a lower-ranked vendor's
    valid row stands in for a rejected or missing one. Vendors missing from STRATENGINE_PRICE_VENDORS rank
    after every listed one.
    """
    first, last = partition_dates(context)
    start, end = partition_window(context)
    with warehouse.get_connection() as conn:
        register_calendar(conn, first, last, lookback=1)
        apply_rules(conn, start, end, price_vendor_ranking())
        with transaction(conn):
            conn.execute("DELETE FROM prices WHERE date >= ? AND date < ?", [start, end])
            conn.execute(
                f"INSERT INTO prices SELECT {', '.join(PRICE_TABLE_COLUMNS)} FROM picked_prices WHERE reason IS NULL"
            )
            conn.execute("DELETE FROM quarantine WHERE dataset = 'prices' AND date >= ? AND date < ?", [start, end])
            for table in ("checked_prices", "picked_prices"):
                conn.execute(
                    f"INSERT INTO quarantine SELECT 'prices', date, ticker, reason, vendor, source_file, source_line, "
                    f"now()::TIMESTAMP FROM {table} WHERE reason IS NOT NULL"
                )
        written = conn.execute("SELECT * FROM prices WHERE date >= ? AND date < ?", [start, end]).df()
        reasons = dict(
            conn.execute(
                "SELECT reason, count(*) FROM quarantine WHERE dataset = 'prices' "
                "AND date >= ? AND date < ? GROUP BY 1",
                [start, end],
            ).fetchall()
        )
        missing = missing_names(conn, start, end)
        disagreeing = disagreements(conn)
    if len(missing):
        context.log.warning(f"no vendor priced {len(missing)} name-days, e.g. {_examples(missing)}")
    return MaterializeResult(
        metadata={
            "rows": len(written),
            "quarantined": sum(reasons.values()),
            "quarantined_by_reason": MetadataValue.json(reasons),
            "rows_by_vendor": MetadataValue.json({k: int(v) for k, v in written["vendor"].value_counts().items()}),
            "missing_names": len(missing),
            "missing_examples": MetadataValue.json(_examples(missing)),
        },
        check_results=[schema_check("prices_valid", PricesModel, written), _agreement(disagreeing)],
    )


# prices' columns in table order: the raw bar, its dollar volume, then provenance
PRICE_TABLE_COLUMNS = [*RAW_COLUMNS[:7], "close * volume", *RAW_COLUMNS[7:]]


def _examples(frame: pd.DataFrame, limit: int = 20) -> list[str]:
    return [f"{row.ticker} {pd.Timestamp(row.date).date()}" for row in frame.head(limit).itertuples()]


def _agreement(disagreeing: pd.DataFrame) -> AssetCheckResult:
    """Vendors that disagree do not block the run; the names and sizes are shown for review."""
    shown = disagreeing.head(20).astype(str).to_markdown(index=False) if len(disagreeing) else "none"
    return AssetCheckResult(
        check_name="vendors_agree",
        passed=disagreeing.empty,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "disagreements": len(disagreeing),
            "tolerance": vendor_tolerance(),
            "names": MetadataValue.json(sorted(disagreeing["ticker"].unique().tolist())),
            "largest": MetadataValue.md(shown),
        },
    )

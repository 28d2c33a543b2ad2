"""raw_prices (every vendor row as delivered) and prices (one validated row per ticker and trading day)."""

import pandas as pd
from dagster import AssetExecutionContext, BackfillPolicy, MaterializeResult, MetadataValue, asset

from partitions import trading_day_partitions
from resources import LandingZoneResource, WarehouseResource
from resources.warehouse import replace_slice, transaction
from stratengine_assets.calendar_sql import partition_dates, partition_window, register_calendar
from stratengine_assets.ingestion.landed_files import load_price_rows
from stratengine_assets.settings import price_vendor_ranking

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


@asset(
    partitions_def=trading_day_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool="duckdb",
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
    for path, error in batch.failed.items():
        context.log.warning(f"price file not ingested: {path}: {error}")
    return MaterializeResult(
        metadata={
            "rows": written,
            "files_read": batch.files_read,
            "failed_files": MetadataValue.json(batch.failed),
        }
    )


PRICE_VALIDATION_SQL = """
WITH raw AS (
    SELECT r.*, coalesce(v.rank, 1000) AS vendor_rank, f.mtime_ns,
           count(*) OVER (PARTITION BY r.ticker, r.date, r.source_file) AS copies
    FROM raw_prices r
    LEFT JOIN vendor_ranks v USING (vendor)
    LEFT JOIN landed_files f ON f.path = r.source_file
    WHERE r.date >= ? AND r.date < ?
), checked AS (
    SELECT raw.*, CASE
        WHEN calendar.date IS NULL THEN 'non_trading_day'
        WHEN open IS NULL OR high IS NULL OR low IS NULL OR close IS NULL THEN 'missing_price'
        WHEN least(open, high, low, close) <= 0 THEN 'non_positive_price'
        WHEN high < low THEN 'high_below_low'
        WHEN close > high OR close < low THEN 'close_outside_range'
        WHEN volume IS NULL THEN 'missing_volume'
        WHEN volume < 0 THEN 'negative_volume'
        WHEN copies > 1 THEN 'duplicate_row'
    END AS reason
    FROM raw LEFT JOIN calendar USING (date)
)
SELECT * FROM checked
"""


@asset(
    partitions_def=trading_day_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool="duckdb",
    group_name="ingestion",
    kinds={"duckdb"},
    deps=[raw_prices],
)
def prices(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Canonical daily bars: each ticker from the best-ranked vendor whose row passes validation.

    Vendors missing from STRATENGINE_PRICE_VENDORS rank after every listed one.
    """
    first, last = partition_dates(context)
    start, end = partition_window(context)
    ranking = price_vendor_ranking()
    with warehouse.get_connection() as conn:
        register_calendar(conn, first, last)
        conn.register("vendor_ranks", pd.DataFrame({"vendor": ranking, "rank": range(len(ranking))}))
        conn.execute(f"CREATE OR REPLACE TEMP TABLE checked_prices AS {PRICE_VALIDATION_SQL}", [start, end])
        with transaction(conn):
            conn.execute("DELETE FROM prices WHERE date >= ? AND date < ?", [start, end])
            conn.execute(
                """
                INSERT INTO prices
                SELECT date, ticker, open, high, low, close, volume, close * volume, vendor, source_file, source_line
                FROM checked_prices WHERE reason IS NULL
                QUALIFY row_number() OVER (PARTITION BY ticker, date ORDER BY vendor_rank, mtime_ns DESC) = 1
                """
            )
            conn.execute("DELETE FROM quarantine WHERE dataset = 'prices' AND date >= ? AND date < ?", [start, end])
            conn.execute(
                """
                INSERT INTO quarantine
                SELECT 'prices', date, ticker, reason, vendor, source_file, source_line, now()::TIMESTAMP
                FROM checked_prices WHERE reason IS NOT NULL
                """
            )
        written = conn.execute("SELECT count(*) FROM prices WHERE date >= ? AND date < ?", [start, end]).fetchone()[0]
        reasons = dict(
            conn.execute("SELECT reason, count(*) FROM checked_prices WHERE reason IS NOT NULL GROUP BY 1").fetchall()
        )
        sources = dict(
            conn.execute(
                "SELECT vendor, count(*) FROM prices WHERE date >= ? AND date < ? GROUP BY 1", [start, end]
            ).fetchall()
        )
    return MaterializeResult(
        metadata={
            "rows": written,
            "quarantined": sum(reasons.values()),
            "quarantined_by_reason": MetadataValue.json(reasons),
            "rows_by_vendor": MetadataValue.json(sources),
        }
    )

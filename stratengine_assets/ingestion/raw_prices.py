"""raw_prices: every price row the registered vendor files hold for the partitions' dates, as delivered."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from resources import LandingZoneResource, WarehouseResource
from storage.schema import columns
from storage.warehouse import at_least, before
from stratengine_assets.common.clock import utc_now
from stratengine_assets.common.partition_range import partition_days, partition_window
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.ingestion.manifest import mark_ingested
from stratengine_assets.ingestion.price_files import load_price_rows

RAW_COLUMNS = [column for column in columns("raw_prices") if column != "ingested_at"]  # a parsed row's columns


@trading_day_asset(group_name="ingestion", kinds={"duckdb"}, hold=False)
def raw_prices(
    context: AssetExecutionContext, warehouse: WarehouseResource, landing_zone: LandingZoneResource
) -> MaterializeResult:
    """Every price row the registered vendor files hold for the partitions' dates, with vendor, file and line.

    The files are read in batches into a staging table outside the transaction, then the window's rows are replaced
    from it in one: a transaction held every batch's rows in memory (6.3 GB at 20 years of 5,000 names)."""
    start, end = partition_window(context)
    files_read, failed, sources = 0, {}, set()
    with warehouse.session() as store:
        for batch in load_price_rows(store, landing_zone, start, end):
            rows = batch.rows[RAW_COLUMNS].assign(ingested_at=utc_now())
            if len(rows):
                store.stage("raw_prices", rows)
            sources |= set(rows["source_file"].unique())
            files_read, failed = files_read + batch.files_read, failed | batch.failed
        with store.transaction():
            store.delete("raw_prices", at_least("date", start), before("date", end))
            written = store.append_staged("raw_prices")
            mark_ingested(store, sources)
            settle(store, "raw_prices", partition_days(context))
    for path, error in failed.items():
        context.log.warning(f"price file not ingested: {path}: {error}")
    return MaterializeResult(
        metadata={
            "rows": written,
            "files_read": files_read,
            "failed_files": MetadataValue.json(failed),
        }
    )

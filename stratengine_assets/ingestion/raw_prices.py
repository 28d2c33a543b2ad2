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
    """Every price row the registered vendor files hold for the partitions' dates, with vendor, file and line."""
    start, end = partition_window(context)
    written, files_read, failed = 0, 0, {}
    with warehouse.session() as store, store.transaction():
        store.delete("raw_prices", at_least("date", start), before("date", end))
        for batch in load_price_rows(store, landing_zone, start, end):
            rows = batch.rows[RAW_COLUMNS].assign(ingested_at=utc_now(), ticker=batch.rows["ticker"].astype("object"))
            written += store.append("raw_prices", rows) if len(rows) else 0
            mark_ingested(store, rows["source_file"].unique())
            files_read, failed = files_read + batch.files_read, failed | batch.failed
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

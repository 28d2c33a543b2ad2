"""raw_prices: every price row the registered vendor files hold for the partitions' dates, as delivered."""

import datetime as dt

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

    Registration keeps each file's rows as it parsed them (landed_prices, by content): the window's rows are staged
    from there in SQL, and only files whose rows were never kept (registered by an older release) are parsed, in
    batches. The window is then replaced from the staging table in one transaction: a transaction holding every
    batch's rows in memory took 6.3 GB at 20 years of 5,000 names."""
    start, end = partition_window(context)
    ingested_at = utc_now()
    with warehouse.session() as store:
        sources = set(store.stage_landed_raw_prices(start.date(), end.date(), dt.date.today(), ingested_at))
        files_read, failed = len(sources), {}
        unlanded = store.unlanded_price_files(start.date(), end.date())
        for batch in load_price_rows(store, landing_zone, start, end, keys=unlanded):
            rows = batch.rows[RAW_COLUMNS].assign(ingested_at=ingested_at)
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
            "files_parsed": len(unlanded),
            "failed_files": MetadataValue.json(failed),
        }
    )

"""securities: the security master, from every registered security-master file."""

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from resources import LandingZoneResource, WarehouseResource
from storage.warehouse import eq
from stratengine_assets.common.policies import warehouse_asset
from stratengine_assets.common.staleness import UNPARTITIONED, settle
from stratengine_assets.ingestion.manifest import mark_ingested, registered_files
from stratengine_assets.ingestion.quarantine import QUARANTINE_COLUMNS, quarantine_rows
from vendors.files import VendorFileError
from vendors.registry import layout_for


@warehouse_asset(group_name="ingestion", kinds={"duckdb"})
def securities(
    context: AssetExecutionContext, warehouse: WarehouseResource, landing_zone: LandingZoneResource
) -> MaterializeResult:
    """Security master with GICS sector; a later file's row for a ticker replaces an earlier one."""
    with warehouse.session() as store:
        files = registered_files(store, landing_zone, "securities")
    frames, bad, failed = [], [], {}
    for landed in files:
        try:
            parse = layout_for(landed.vendor, "securities").parse
            frame = parse(landing_zone.local_path(landed)).assign(source_file=landed.key)
        except VendorFileError as exc:
            failed[landed.key] = str(exc)
            context.log.warning(f"securities file not ingested: {landed.key}: {exc}")
            continue
        invalid = frame["ticker"].isna()
        bad.append(quarantine_rows(frame[invalid], "securities", "invalid_ticker", landed.vendor, landed.key))
        frames.append(frame[~invalid])
    table = pd.concat(frames) if frames else pd.DataFrame(columns=["ticker"])
    table = table.drop_duplicates("ticker", keep="last").drop(columns="source_line", errors="ignore")
    table["ticker"] = table["ticker"].astype("object")
    quarantined = pd.concat(bad) if bad else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    with warehouse.session() as store, store.transaction():
        written = store.replace("securities", table)
        store.replace("quarantine", quarantined, eq("dataset", "securities"))
        mark_ingested(store, [f.key for f in files if f.key not in failed])
        settle(store, "securities", [UNPARTITIONED])
    return MaterializeResult(
        metadata={
            "rows": written,
            "quarantined": len(quarantined),
            "failed_files": MetadataValue.json(failed),
        }
    )

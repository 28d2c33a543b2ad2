"""corporate_actions: every split and cash dividend per ticker from the registered corporate-actions files."""

from dataclasses import dataclass, field

import pandas as pd
from dagster import AssetCheckSpec, AssetExecutionContext, MaterializeResult, MetadataValue

from quant.basis import action_problems
from quant.calendar import trading_days
from resources import LandingZoneResource, WarehouseResource
from resources.landing_zone import LandedFile
from storage.models import CorporateActionsModel
from storage.schema import columns
from storage.warehouse import eq, isin
from stratengine_assets.common.checks import schema_check
from stratengine_assets.common.policies import ticker_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.ticker_range import partition_tickers
from stratengine_assets.ingestion.manifest import mark_ingested, registered_files
from stratengine_assets.ingestion.quarantine import QUARANTINE_COLUMNS, quarantine_rows
from vendors.files import VendorFileError
from vendors.registry import layout_for

TABLE_COLUMNS = list(columns("corporate_actions"))


@dataclass
class Collected:
    """The usable actions of the partition's tickers, the tickers whose files were read (their history of actions
    is complete), the rows rejected with why, and the files that could not be read."""

    actions: list[pd.DataFrame] = field(default_factory=list)
    covered: list[dict] = field(default_factory=list)
    rejected: list[pd.DataFrame] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def collect(zone: LandingZoneResource, files: list[LandedFile], tickers: set[str]) -> Collected:
    out, frames = Collected(), []
    for landed in files:
        layout = layout_for(landed.vendor, "corporate_actions")
        ticker = layout.ticker_from_name(landed.name) if layout.ticker_from_name else None
        if ticker not in tickers:
            continue
        try:
            rows = layout.parse(zone.local_path(landed))
        except VendorFileError as exc:
            out.failed[landed.key] = str(exc)
            continue
        frames.append(rows.assign(vendor=landed.vendor, source_file=landed.key))
        out.covered.append({"ticker": ticker, "vendor": landed.vendor, "source_file": landed.key})
    if frames:
        rows = pd.concat(frames, ignore_index=True)
        sessions = trading_days(rows["ex_date"].min(), rows["ex_date"].max()) if rows["ex_date"].notna().any() else []
        reason = action_problems(rows, pd.DatetimeIndex(sessions))
        for (vendor, key), bad in rows[reason.notna()].groupby(["vendor", "source_file"]):
            rejected = bad.rename(columns={"ex_date": "date"})
            out.rejected.append(quarantine_rows(rejected, "corporate_actions", reason[bad.index], vendor, key))
        out.actions.append(rows[reason.isna()][TABLE_COLUMNS])
    return out


@ticker_asset(
    group_name="ingestion",
    kinds={"duckdb"},
    check_specs=[
        AssetCheckSpec(
            "corporate_actions_valid",
            asset="corporate_actions",
            blocking=True,
            description="every row passes CorporateActionsModel (a positive split ratio, a dividend of 0 or more)",
        ),
    ],
)
def corporate_actions(
    context: AssetExecutionContext, warehouse: WarehouseResource, landing_zone: LandingZoneResource
) -> MaterializeResult:
    """Splits (ratio of new shares to old) and cash dividends (per share, as paid) by ex-date. A ticker with a
    readable file has its whole history of actions (a file with a header only: none), which is what lets
    price_basis rebuild the as-traded close from adjusted-only prices. A row no rule can use (no date, a ratio
    that is not positive, a negative dividend, an ex-date that is not a session, two values for one ex-date) is
    quarantined with its file and line."""
    keys = partition_tickers(context)
    with warehouse.session() as store:
        files = registered_files(store, landing_zone, "corporate_actions")
    found = collect(landing_zone, files, set(keys))
    table = pd.concat(found.actions) if found.actions else pd.DataFrame(columns=TABLE_COLUMNS)
    covered = pd.DataFrame(found.covered, columns=list(columns("actions_coverage")))
    quarantined = pd.concat(found.rejected) if found.rejected else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    with warehouse.session() as store:
        with store.transaction():
            written = store.replace("corporate_actions", table, isin("ticker", keys))
            store.replace("actions_coverage", covered, isin("ticker", keys))
            store.replace("quarantine", quarantined, eq("dataset", "corporate_actions"), isin("ticker", keys))
            mark_ingested(store, [f.key for f in files if f.key not in found.failed])
            settle(store, "corporate_actions", keys)
        stored = store.read("corporate_actions", isin("ticker", keys))
    for key, error in found.failed.items():
        context.log.warning(f"corporate actions file not ingested: {key}: {error}")
    return MaterializeResult(
        metadata={
            "rows": written,
            "splits": int((table["split_ratio"] != 1).sum()),
            "dividends": int((table["dividend"] > 0).sum()),
            "tickers_covered": len(covered),
            "quarantined": len(quarantined),
            "quarantined_by_reason": MetadataValue.json(quarantined["reason"].value_counts().to_dict()),
            "failed_files": MetadataValue.json(found.failed),
        },
        check_results=[schema_check("corporate_actions_valid", CorporateActionsModel, stored)],
    )

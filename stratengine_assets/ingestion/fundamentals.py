"""fundamentals: annual figures, long and point in time, from every landed fundamentals layout."""

from pathlib import Path

import pandas as pd
from dagster import AssetCheckSpec, AssetExecutionContext, MaterializeResult, MetadataValue

from resources import LandingZoneResource, PipelineSettings, WarehouseResource
from storage.models import FundamentalsModel
from storage.schema import columns
from storage.warehouse import eq, isin, not_null
from stratengine_assets.common.checks import schema_check
from stratengine_assets.common.policies import ticker_asset
from stratengine_assets.ingestion.manifest_records import record_reference_files
from stratengine_assets.ingestion.quarantine import QUARANTINE_COLUMNS, quarantine_rows
from vendors.files import VendorFileError
from vendors.layout import FundamentalFacts
from vendors.registry import layout_for

TABLE_COLUMNS = list(columns("fundamentals"))


def with_tickers(facts: FundamentalFacts, by_cik: dict[int, str], file_name: str) -> pd.DataFrame:
    """The facts' rows; a file of one filer's facts takes the security master's ticker for its CIK, else the one its
    file name gives."""
    if facts.cik is None:
        return facts.rows
    ticker = by_cik.get(facts.cik) or facts.ticker
    if ticker is None:
        raise VendorFileError(
            f"CIK {facts.cik} is not in the security master; land the master first or name the file "
            f"<TICKER>{Path(file_name).suffix}"
        )
    return facts.rows.assign(ticker=ticker)


def with_known_at(rows: pd.DataFrame, lag_days: int, source: str) -> pd.DataFrame:
    """Rows usable from known_at; a layout without filing dates counts a value as known lag_days after its period."""
    known_at = rows["known_at"].fillna(rows["period_end"] + pd.Timedelta(days=lag_days))
    out = rows.assign(known_at=known_at, source=source)[TABLE_COLUMNS]
    out["ticker"] = out["ticker"].astype("object")
    return out


def _mine(frame: pd.DataFrame, tickers: set[str]) -> pd.DataFrame:
    return frame[frame["ticker"].isin(tickers)]


@ticker_asset(
    group_name="ingestion",
    kinds={"duckdb"},
    check_specs=[
        AssetCheckSpec(
            "fundamentals_valid",
            asset="fundamentals",
            blocking=True,
            description="every row passes FundamentalsModel (known_at on or after period end, ...)",
        ),
    ],
)
def fundamentals(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    landing_zone: LandingZoneResource,
    settings: PipelineSettings,
) -> MaterializeResult:
    """Annual fundamentals, long and point in time, from every landed layout.

    A layout with filing dates (EDGAR companyfacts) gives known_at; the annual CSV has none, so
    known_at = period end + STRATENGINE_FUNDAMENTALS_LAG_DAYS.
    """
    tickers, lag = set(context.partition_keys), settings.fundamentals_lag_days
    values, bad, failed, corrected = [], [], {}, []
    with warehouse.session() as store:
        by_cik = dict(store.read("securities", not_null("cik"), columns=["cik", "ticker"]).itertuples(index=False))
    for landed in landing_zone.files("fundamentals"):
        try:
            facts: FundamentalFacts = layout_for(landed.vendor, "fundamentals").parse(landing_zone.local_path(landed))
            rows = with_tickers(facts, by_cik, landed.name)
        except VendorFileError as exc:
            failed[landed.key] = str(exc)
            context.log.warning(f"fundamentals file not ingested: {landed.key}: {exc}")
            continue
        rejected = _mine(facts.rejected, tickers)
        bad.append(quarantine_rows(rejected, "fundamentals", rejected["reason"], landed.vendor, landed.key))
        corrected += _mine(facts.notes, tickers)["note"].tolist()
        values.append(with_known_at(_mine(rows, tickers), lag, landed.key))
    table = pd.concat(values) if values else pd.DataFrame(columns=["ticker"])
    quarantined = pd.concat(bad) if bad else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    keys = sorted(tickers)
    with warehouse.session() as store:
        with store.transaction():
            written = store.replace("fundamentals", table, isin("ticker", keys))
            store.replace("quarantine", quarantined, eq("dataset", "fundamentals"), isin("ticker", keys))
        record_reference_files(store, landing_zone, "fundamentals", failed)
        stored = store.read("fundamentals", isin("ticker", keys))
    for note in corrected:
        context.log.warning(f"fiscal year contradicts the period end, period end kept: {note}")
    return MaterializeResult(
        metadata={
            "rows": written,
            "tickers": len(keys),
            "known_at_lag_days": lag,
            "quarantined": len(quarantined),
            "fiscal_year_corrections": MetadataValue.json(corrected),
            "failed_files": MetadataValue.json(failed),
        },
        check_results=[schema_check("fundamentals_valid", FundamentalsModel, stored)],
    )

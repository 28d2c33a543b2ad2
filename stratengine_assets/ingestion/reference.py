"""Reference data: the security master and point-in-time fundamentals."""

from pathlib import Path

import pandas as pd
from dagster import AssetCheckSpec, AssetExecutionContext, BackfillPolicy, MaterializeResult, MetadataValue, asset

from partitions import tickers_partitions
from resources import LandingZoneResource, WarehouseResource
from resources.vendors import (
    FUNDAMENTAL_METRICS,
    VendorFileError,
    parse_annual_fundamentals,
    parse_securities,
)
from resources.vendors.common import ticker_from_name
from resources.vendors.edgar import parse_companyfacts
from resources.warehouse import member_of, replace_slice, transaction
from resources.warehouse_models import FundamentalsModel
from stratengine_assets.ingestion.manifest import record_reference_files
from stratengine_assets.settings import fundamentals_lag_days
from stratengine_assets.table_checks import schema_check

QUARANTINE_COLUMNS = [
    "dataset",
    "date",
    "ticker",
    "reason",
    "vendor",
    "source_file",
    "source_line",
    "detected_at",
]


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def _quarantine_rows(frame: pd.DataFrame, dataset: str, reason: str, vendor: str, path: str) -> pd.DataFrame:
    out = pd.DataFrame({"date": frame.get("period_end"), "ticker": frame["ticker"].astype("object")})
    return out.assign(
        dataset=dataset,
        reason=reason,
        vendor=vendor,
        source_file=path,
        source_line=frame["source_line"].to_numpy(),
        detected_at=_now(),
    )[QUARANTINE_COLUMNS]


@asset(pool="duckdb", group_name="ingestion", kinds={"duckdb"})
def securities(
    context: AssetExecutionContext, warehouse: WarehouseResource, landing_zone: LandingZoneResource
) -> MaterializeResult:
    """Security master with GICS sector; a later file's row for a ticker replaces an earlier one."""
    frames, bad, failed = [], [], {}
    for landed in landing_zone.files("securities"):
        try:
            frame = parse_securities(landing_zone.local_path(landed)).assign(source_file=landed.key)
        except VendorFileError as exc:
            failed[landed.key] = str(exc)
            context.log.warning(f"securities file not ingested: {landed.key}: {exc}")
            continue
        invalid = frame["ticker"].isna()
        bad.append(_quarantine_rows(frame[invalid], "securities", "invalid_ticker", landed.vendor, landed.key))
        frames.append(frame[~invalid])
    table = pd.concat(frames) if frames else pd.DataFrame(columns=["ticker"])
    table = table.drop_duplicates("ticker", keep="last").drop(columns="source_line", errors="ignore")
    table["ticker"] = table["ticker"].astype("object")
    quarantined = pd.concat(bad) if bad else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    with warehouse.get_connection() as conn:
        with transaction(conn):
            written = replace_slice(conn, "securities", table, "true", [])
            replace_slice(conn, "quarantine", quarantined, "dataset = 'securities'", [])
        record_reference_files(conn, landing_zone, "securities", failed)
    return MaterializeResult(
        metadata={
            "rows": written,
            "quarantined": len(quarantined),
            "failed_files": MetadataValue.json(failed),
        }
    )


def to_point_in_time(filings: pd.DataFrame, lag_days: int, source: str) -> pd.DataFrame:
    """Wide filings to long rows: one value per (ticker, metric, period_end), usable from known_at."""
    long = filings.melt(
        id_vars=["ticker", "period_end"],
        value_vars=list(FUNDAMENTAL_METRICS.values()),
        var_name="metric",
        value_name="value",
    ).dropna(subset=["value"])
    long["known_at"] = long["period_end"] + pd.Timedelta(days=lag_days)
    long["ticker"] = long["ticker"].astype("object")
    return long.assign(source=source)[["ticker", "metric", "period_end", "known_at", "value", "source"]]


def _edgar_rows(path: Path, by_cik: dict[int, str], source: str) -> pd.DataFrame:
    """companyfacts rows for the filer's ticker: by CIK from the security master, else the file's name."""
    cik, facts = parse_companyfacts(path)
    ticker = by_cik.get(cik)
    if ticker is None and not path.stem.upper().startswith("CIK"):
        ticker = ticker_from_name(path.name, (".json",))
    if ticker is None:
        raise VendorFileError(
            f"CIK {cik} is not in the security master; land the master first or name the file <TICKER>.json"
        )
    return facts.assign(ticker=ticker, source=source)[["ticker", "metric", "period_end", "known_at", "value", "source"]]


def _fiscal_year_mismatches(filings: pd.DataFrame) -> list[str]:
    """Rows whose 'For Year' contradicts Period Ending; the period end is kept as authoritative."""
    gap = (filings["fiscal_year"] - filings["period_end"].dt.year).abs()
    odd = filings[gap > 1]
    return [
        f"{r.ticker} line {r.source_line}: For Year {r.fiscal_year}, period end {r.period_end.date()}"
        for r in odd.itertuples()
    ]


@asset(
    partitions_def=tickers_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool="duckdb",
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
    context: AssetExecutionContext, warehouse: WarehouseResource, landing_zone: LandingZoneResource
) -> MaterializeResult:
    """Annual fundamentals, long and point in time, from every landed layout.

    EDGAR companyfacts carry their filing date, which is known_at; the annual CSV has none, so
    known_at = period end + STRATENGINE_FUNDAMENTALS_LAG_DAYS.
    """
    tickers = set(context.partition_keys)
    lag = fundamentals_lag_days()
    values, bad, failed, corrected = [], [], {}, []
    with warehouse.get_connection() as conn:
        by_cik = dict(conn.execute("SELECT cik, ticker FROM securities WHERE cik IS NOT NULL").fetchall())
    for landed in landing_zone.files("fundamentals"):
        path = landing_zone.local_path(landed)
        try:
            if landed.vendor == "edgar":
                values.append(_edgar_rows(path, by_cik, landed.key))
                continue
            filings = parse_annual_fundamentals(path)
        except VendorFileError as exc:
            failed[landed.key] = str(exc)
            context.log.warning(f"fundamentals file not ingested: {landed.key}: {exc}")
            continue
        filings = filings[filings["ticker"].isin(tickers)]
        undated = filings["period_end"].isna()
        bad.append(
            _quarantine_rows(filings[undated], "fundamentals", "unparseable_period_end", landed.vendor, landed.key)
        )
        corrected += _fiscal_year_mismatches(filings[~undated])
        values.append(to_point_in_time(filings[~undated], lag, landed.key))
    values = [v[v["ticker"].isin(tickers)] for v in values]
    table = pd.concat(values) if values else pd.DataFrame(columns=["ticker"])
    quarantined = pd.concat(bad) if bad else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    keys = sorted(tickers)
    with warehouse.get_connection() as conn:
        with transaction(conn):
            written = replace_slice(conn, "fundamentals", table, member_of("ticker"), [keys])
            replace_slice(
                conn, "quarantine", quarantined, f"dataset = 'fundamentals' AND {member_of('ticker')}", [keys]
            )
        record_reference_files(conn, landing_zone, "fundamentals", failed)
        stored = conn.execute(f"SELECT * FROM fundamentals WHERE {member_of('ticker')}", [keys]).df()
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

"""fundamentals: annual figures, long and point in time, from every landed fundamentals layout."""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from dagster import AssetCheckSpec, AssetExecutionContext, MaterializeResult, MetadataValue

from quant.calendar import trading_days
from quant.fundamentals import fact_problems, fact_span
from resources import LandingZoneResource, PipelineSettings, WarehouseResource
from resources.landing_zone import LandedFile
from resources.settings import calendar_start
from storage.models import FundamentalsModel
from storage.schema import columns
from storage.warehouse import Warehouse, eq, isin, not_null
from stratengine_assets.common.checks import schema_check
from stratengine_assets.common.metadata import quarantine_sample
from stratengine_assets.common.policies import ticker_asset
from stratengine_assets.common.staleness import mark, settle
from stratengine_assets.common.ticker_range import partition_tickers
from stratengine_assets.ingestion.manifest import mark_ingested, registered_files
from stratengine_assets.ingestion.quarantine import QUARANTINE_COLUMNS, quarantine_rows
from stratengine_assets.ingestion.securities import securities
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
    """Rows usable from known_at; a layout without filing dates counts a value as known lag_days after its period.
    The source file's line stays on each row for the quarantine."""
    known_at = rows["known_at"].astype(rows["period_end"].dtype)  # the period's unit holds a year like 1215
    known_at = known_at.fillna(rows["period_end"] + pd.Timedelta(days=lag_days))
    out = rows.assign(known_at=known_at, source=source)[[*TABLE_COLUMNS, "source_line"]]
    out["ticker"] = out["ticker"].astype("object")
    return out


def _mine(frame: pd.DataFrame, tickers: set[str]) -> pd.DataFrame:
    return frame[frame["ticker"].isin(tickers)]


@dataclass
class Collected:
    """Every file's usable facts of the partition's tickers, the rows rejected (with the reason), the notes on rows
    kept with a correction, and the files that could not be read."""

    facts: list[pd.DataFrame] = field(default_factory=list)
    rejected: list[pd.DataFrame] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def collect(
    zone: LandingZoneResource, files: list[LandedFile], by_cik: dict[int, str], lag: int, tickers: set[str]
) -> Collected:
    """The facts of every registered fundamentals file; a fact a rule rejects goes to quarantine with why."""
    out = Collected()
    for landed in files:
        try:
            parsed: FundamentalFacts = layout_for(landed.vendor, "fundamentals").parse(zone.local_path(landed))
            rows = with_known_at(_mine(with_tickers(parsed, by_cik, landed.name), tickers), lag, landed.key)
        except VendorFileError as exc:
            out.failed[landed.key] = str(exc)
            continue
        problem = fact_problems(rows)
        unusable = _mine(parsed.rejected, tickers)
        implausible = rows[problem.notna()].rename(columns={"period_end": "date"}).assign(reason=problem.dropna())
        implausible = implausible.drop_duplicates(["ticker", "date", "source_line", "reason"])  # one per line
        for frame in (unusable, implausible):
            out.rejected.append(quarantine_rows(frame, "fundamentals", frame["reason"], landed.vendor, landed.key))
        out.notes += _mine(parsed.notes, tickers)["note"].tolist()
        out.facts.append(rows[problem.isna()].drop(columns="source_line"))
    return out


def changed_facts(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Facts in one table and not the other (compared on every column)."""
    both = pd.concat([old[TABLE_COLUMNS], new[TABLE_COLUMNS]], ignore_index=True)
    return both.drop_duplicates(keep=False)


def mark_factor_days(store: Warehouse, changed: pd.DataFrame, tickers: list[str]) -> int:
    """Factors read a fact from its known_at until it is too old: mark those days, up to the newest price."""
    span, newest = fact_span(changed), store.span("prices", "date")[1]
    if span is None or newest is None:
        return 0
    days = trading_days(max(span[0], pd.Timestamp(calendar_start())), min(span[1], pd.Timestamp(newest)))
    reason = f"fundamentals of {len(set(changed['ticker']))} tickers changed ({', '.join(tickers[:3])}, ...)"
    return mark(store, "factors", [str(d.date()) for d in days], reason)


@ticker_asset(
    group_name="ingestion",
    kinds={"duckdb"},
    deps=[securities],
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
    """Annual fundamentals, long and point in time, from every registered layout; a fact no rule can use (a period
    end before 1990, a value known before its period ended, not a finite number) is quarantined with its file and
    line, not written. A layout with filing dates (EDGAR companyfacts) gives known_at; the annual CSV has none, so
    known_at = period end + STRATENGINE_FUNDAMENTALS_LAG_DAYS. Facts that changed mark the factor days that read
    them stale.
    """
    keys, lag = partition_tickers(context), settings.fundamentals_lag_days
    with warehouse.session() as store:
        by_cik = dict(store.read("securities", not_null("cik"), columns=["cik", "ticker"]).itertuples(index=False))
        files = registered_files(store, landing_zone, "fundamentals")
    found = collect(landing_zone, files, by_cik, lag, set(keys))
    table = pd.concat(found.facts) if found.facts else pd.DataFrame(columns=TABLE_COLUMNS)
    quarantined = pd.concat(found.rejected) if found.rejected else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    with warehouse.session() as store:
        with store.transaction():
            old = store.read("fundamentals", isin("ticker", keys))
            written = store.replace("fundamentals", table, isin("ticker", keys))
            store.replace("quarantine", quarantined, eq("dataset", "fundamentals"), isin("ticker", keys))
            marked = mark_factor_days(store, changed_facts(old, table), keys)
            mark_ingested(store, [f.key for f in files if f.key not in found.failed])
            settle(store, "fundamentals", keys)
        stored = store.read("fundamentals", isin("ticker", keys))
    for key, error in found.failed.items():
        context.log.warning(f"fundamentals file not ingested: {key}: {error}")
    for note in found.notes:
        context.log.warning(f"fiscal year contradicts the period end, period end kept: {note}")
    return MaterializeResult(
        metadata={
            "rows": written,
            "tickers": len(keys),
            "known_at_lag_days": lag,
            "quarantined": len(quarantined),
            "quarantined_by_reason": MetadataValue.json(quarantined["reason"].value_counts().to_dict()),
            **({"quarantined_rows": quarantine_sample(quarantined)} if len(quarantined) else {}),
            "factor_days_marked": marked,
            "fiscal_year_corrections": MetadataValue.json(found.notes),
            "failed_files": MetadataValue.json(found.failed),
        },
        check_results=[schema_check("fundamentals_valid", FundamentalsModel, stored)],
    )

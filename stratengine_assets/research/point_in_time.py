"""signals_point_in_time: recompute a past day's signals from only what was known that day, compare.

The day is a month end a quarter back, so it moves once a month; a day already verified against the same stored
signals and strategy book is not recomputed again (Dagster's own record of the check's last evaluation says so).
"""

import hashlib
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from quant.calendar import month_end_trading_days, shift_trading_days
from quant.model_signals import history_for, panel_groups
from quant.strategies import StrategyBook
from resources import DuckDBWarehouseResource, PipelineSettings, WarehouseResource
from storage.schema import factor_column
from storage.warehouse import Warehouse, Where, at_least, at_most, before, eq
from stratengine_assets.common.partition_range import days_context
from stratengine_assets.common.windows import FACTOR_HISTORY, MODEL_HISTORY, UNIVERSE_HISTORY
from stratengine_assets.research.factors import factors
from stratengine_assets.research.signals import signals
from stratengine_assets.research.universe import universe

LOOKBACK_SESSIONS = 63
PRICE_HISTORY = max(UNIVERSE_HISTORY, FACTOR_HISTORY, MODEL_HISTORY)  # sessions of prices a day's signals read
TOLERANCE = 1e-9


def known_on(day: pd.Timestamp, since: pd.Timestamp) -> dict[str, list[Where]]:
    """What was known at the close of `day` that its universe, factors and signals read: prices over the longest
    window any of them looks back (not the whole history); model strategies also train on earlier days' stored
    factors."""
    return {
        "prices": [at_most("date", day), at_least("date", shift_trading_days(day, -PRICE_HISTORY))],
        "price_basis": [at_most("first_date", day)],
        "fundamentals": [at_most("known_at", day)],
        "securities": [],
        "factors": [before("date", day), at_least("date", since)],
    }


def model_history_start(book: StrategyBook, day: pd.Timestamp) -> pd.Timestamp:
    """The first day a model strategy's signal on `day` reads factors from (`day` itself when there is none)."""
    models = book.models()
    return shift_trading_days(day, -history_for(models)) if models else day


def model_columns(book: StrategyBook) -> dict[str, list[str]]:
    """The factor columns the model strategies train on: all the check's copy needs of the days before the one it
    recomputes (that day's factors it computes itself). 14 of 42 columns with the bundled strategies."""
    features = {factor_column(name, score) for (score, names) in panel_groups(book.models()) for name in names}
    return {"factors": ["date", "ticker", *sorted(features)]}


def check_day(store: Warehouse, configured: pd.Timestamp | None) -> pd.Timestamp | None:
    """The configured day, else the latest signal day on or before the last month end at least a quarter before
    the newest one (so a daily update checks the same day all month), else the newest signal day."""
    if configured is not None:
        return configured
    oldest, newest = store.span("signals", "signal_timestamp")
    if newest is None:
        return None
    cutoff = shift_trading_days(newest, -LOOKBACK_SESSIONS)
    month_ends = month_end_trading_days(oldest, cutoff) if pd.Timestamp(oldest) <= cutoff else []
    anchor = month_ends[-1] if len(month_ends) else cutoff
    day = store.span("signals", "signal_timestamp", at_most("signal_timestamp", anchor))[1]
    return pd.Timestamp(day or newest)


def day_signals(store: Warehouse, day: pd.Timestamp) -> pd.DataFrame:
    return store.read("signals", eq("signal_timestamp", day), columns=["symbol", "strategy_id", "signal"])


def fingerprint(day: pd.Timestamp, stored: pd.DataFrame, book: StrategyBook) -> str:
    """What a verdict on `day` was reached on: the day, its stored signals (to the bit) and the strategy book."""
    rows = stored.sort_values(["strategy_id", "symbol"]).reset_index(drop=True)
    digest = hashlib.sha256(f"{day.date()}|{book!r}".encode())
    digest.update(pd.util.hash_pandas_object(rows, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:32]


def verified_in(context: AssetCheckExecutionContext, signature: str) -> str | None:
    """The run that recomputed the day and passed on the same fingerprint, when the latest evaluation says so (a
    run's own planned entry carries no evaluation and is passed over)."""
    evaluated = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}
    history = context.instance.event_log_storage.get_asset_check_execution_history(
        signals_point_in_time.check_key, limit=1, status=evaluated
    )
    evaluation = history[0].evaluation if history else None
    if evaluation is None or not evaluation.passed:
        return None
    seen, verifier = evaluation.metadata.get("fingerprint"), evaluation.metadata.get("verified_in_run")
    if seen is None or seen.value != signature:
        return None
    return verifier.value if verifier is not None else history[0].run_id


def recompute(
    warehouse: WarehouseResource, settings: PipelineSettings, day: pd.Timestamp, scratch: Path
) -> pd.DataFrame:
    """Copy the inputs known on `day` into a scratch warehouse and run universe, factors, signals there.

    The copy's prices are re-based to `day` (splits and dividends after it undone), as a vendor would have shipped
    them then: a factor that mixes an adjusted price with an as-reported share count differs there. Model strategies
    also get the stored factors of the days their training reads: those days' own point-in-time correctness is what
    this check verifies on the days it runs on."""
    copy = DuckDBWarehouseResource(database=str(scratch / "as_of.duckdb"))
    with copy.session():
        pass  # the scratch file, with the schema
    with warehouse.session() as store:
        book = settings.strategy_book()
        store.copy_slices(copy.database, known_on(day, model_history_start(book, day)), model_columns(book))
    with copy.session() as store:
        store.rebase_as_of(day)  # prices as adjusted on that day: no split or dividend after it is applied
    key = str(day.date())
    resources = {"warehouse": copy, "settings": settings}
    for asset in (universe, factors, signals):
        asset(days_context(key, key, resources))
    with copy.session() as store:
        return day_signals(store, day)


def compare(stored: pd.DataFrame, recomputed: pd.DataFrame) -> dict:
    both = stored.merge(recomputed, on=["symbol", "strategy_id"], how="outer", suffixes=("_stored", "_known"))
    difference = (both["signal_stored"] - both["signal_known"]).abs()
    unmatched = both["signal_stored"].isna() | both["signal_known"].isna()
    differing = both[unmatched | (difference > TOLERANCE)]
    return {
        "compared": len(both),
        "differing": len(differing),
        "max_difference": float(np.nan_to_num(difference.max(), nan=0.0)),
        "examples": differing.head(10),
    }


@asset_check(asset=signals, description="a past day's signals recomputed from inputs known that day must match")
def signals_point_in_time(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> AssetCheckResult:
    with warehouse.session() as store:
        day = check_day(store, settings.pit_day())
        stored = day_signals(store, day) if day is not None else pd.DataFrame()
    if day is None or stored.empty:
        return AssetCheckResult(passed=True, metadata={"checked_day": "none: no signals yet"})
    signature = fingerprint(day, stored, settings.strategy_book())
    earlier = verified_in(context, signature)
    if earlier is not None:
        context.log.info(f"point-in-time check on {day.date()}: verified by run {earlier} on the same signals")
        metadata = {"checked_day": str(day.date()), "fingerprint": signature, "verified_in_run": earlier}
        return AssetCheckResult(passed=True, severity=AssetCheckSeverity.ERROR, metadata=metadata)
    with tempfile.TemporaryDirectory() as scratch:
        result = compare(stored, recompute(warehouse, settings, day, Path(scratch)))
    context.log.info(f"point-in-time check on {day.date()}: {result['differing']} of {result['compared']} differ")
    return AssetCheckResult(
        passed=result["differing"] == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "checked_day": str(day.date()),
            "fingerprint": signature,
            "signals_compared": result["compared"],
            "signals_differing": result["differing"],
            "max_difference": result["max_difference"],
            "examples": MetadataValue.md(result["examples"].astype(str).to_markdown(index=False) or "none"),
        },
    )

"""signals_point_in_time: recompute a past day's signals from only what was known that day, compare."""

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from partitions.trading_calendar import shift_trading_days
from resources import WarehouseResource
from stratengine_assets.research.factors import factors
from stratengine_assets.research.signals import signals
from stratengine_assets.research.universe import universe

LOOKBACK_SESSIONS = 63
TOLERANCE = 1e-9
KNOWN_AT = {
    "prices": "date <= $day",
    "fundamentals": "known_at <= $day",
    "securities": "true",
    "factors": "date < $day AND date >= $since",  # model strategies train on earlier days' stored factors
}


def model_history_start(day: pd.Timestamp) -> pd.Timestamp:
    """The first day a model strategy's signal on `day` reads factors from (`day` itself when there is none)."""
    from stratengine_assets.research.walk_forward import history_needed
    from stratengine_assets.strategies import strategy_book

    models = [s.model_spec() for s in strategy_book().strategies.values() if s.signal_model is not None]
    return shift_trading_days(day, -max(history_needed(spec) for spec in models)) if models else day


def check_day(conn) -> pd.Timestamp | None:
    """STRATENGINE_PIT_CHECK_DATE, else the latest signal day at least a quarter before the newest one."""
    if os.environ.get("STRATENGINE_PIT_CHECK_DATE"):
        return pd.Timestamp(os.environ["STRATENGINE_PIT_CHECK_DATE"])
    newest = conn.execute("SELECT max(signal_timestamp) FROM signals").fetchall()[0][0]
    if newest is None:
        return None
    cutoff = shift_trading_days(newest, -LOOKBACK_SESSIONS)
    day = conn.execute("SELECT max(signal_timestamp) FROM signals WHERE signal_timestamp <= ?", [cutoff]).fetchall()
    return pd.Timestamp(day[0][0] or newest)


def recompute(warehouse: WarehouseResource, day: pd.Timestamp, scratch: Path) -> pd.DataFrame:
    """Copy the inputs known on `day` into a scratch warehouse and run universe, factors, signals there.

    Model strategies also get the stored factors of the days their training reads: those days' own
    point-in-time correctness is what this check verifies on the days it runs on."""
    from dagster import PartitionKeyRange, build_asset_context

    copy = WarehouseResource(database=str(scratch / "as_of.duckdb"))
    with copy.get_connection():
        pass
    with warehouse.get_connection() as conn:
        quoted = copy.database.replace("'", "''")  # ATTACH takes no parameters; the path is our own temp dir
        conn.execute(f"ATTACH '{quoted}' AS scratch")
        try:
            since = model_history_start(day)
            for table, known in KNOWN_AT.items():
                params = {k: v for k, v in {"day": day, "since": since}.items() if f"${k}" in known}
                conn.execute(f"INSERT INTO scratch.{table} SELECT * FROM {table} WHERE {known}", params)
        finally:
            conn.execute("DETACH scratch")
    key = str(day.date())
    for asset in (universe, factors, signals):
        asset(build_asset_context(partition_key_range=PartitionKeyRange(key, key), resources={"warehouse": copy}))
    with copy.get_connection() as conn:
        return conn.execute("SELECT symbol, strategy_id, signal FROM signals WHERE signal_timestamp = ?", [day]).df()


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
def signals_point_in_time(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.get_connection() as conn:
        day = check_day(conn)
        stored = (
            conn.execute("SELECT symbol, strategy_id, signal FROM signals WHERE signal_timestamp = ?", [day]).df()
            if day is not None
            else pd.DataFrame()
        )
    if day is None or stored.empty:
        return AssetCheckResult(passed=True, metadata={"checked_day": "none: no signals yet"})
    with tempfile.TemporaryDirectory() as scratch:
        result = compare(stored, recompute(warehouse, day, Path(scratch)))
    context.log.info(f"point-in-time check on {day.date()}: {result['differing']} of {result['compared']} differ")
    return AssetCheckResult(
        passed=result["differing"] == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "checked_day": str(day.date()),
            "signals_compared": result["compared"],
            "signals_differing": result["differing"],
            "max_difference": result["max_difference"],
            "examples": MetadataValue.md(result["examples"].astype(str).to_markdown(index=False) or "none"),
        },
    )

"""Small builders for test inputs written as real vendor files."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
from dagster import build_asset_check_context

from quant.calendar import trading_days
from quant.factors import FACTORS
from resources.settings import pipeline_settings
from stratengine_assets.common.partition_range import days_context
from stratengine_assets.definitions import defs

ALL_ASSETS = list(defs.assets)  # the whole graph, for materialize(..., selection=...)

STOOQ_HEADER = "Date,Open,High,Low,Close,Volume,OpenInt"


def long_factors() -> str:
    """SQL for the wide factors table as long rows (date, ticker, factor, raw_value, zscore, sector_zscore), one
    per name, day and factor with a z-score: a subquery to select from."""
    groups = ", ".join(f"({f}__raw_value, {f}__zscore, {f}__sector_zscore) AS {f}" for f in FACTORS.names())
    return (
        "(SELECT * FROM factors UNPIVOT INCLUDE NULLS ((raw_value, zscore, sector_zscore) FOR factor IN "
        f"({groups})) WHERE zscore IS NOT NULL)"
    )


def write_stooq(path: Path, closes: pd.Series, volume: float = 1e6) -> Path:
    """A Stooq-layout file with consistent bars around the given closes."""
    lines = [STOOQ_HEADER]
    for day, close in closes.items():
        lines.append(f"{day:%Y-%m-%d},{close:.4f},{close * 1.01:.4f},{close * 0.99:.4f},{close:.4f},{volume:.0f},0")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def random_walk(first: str, last: str, seed: int, start: float = 50.0) -> pd.Series:
    days = trading_days(first, last)
    steps = np.random.default_rng(seed).normal(0.0003, 0.015, len(days))
    return pd.Series(start * np.exp(np.cumsum(steps)), index=days)


def price_bars(ticker: str, closes: pd.Series, spread: float = 0.01) -> pd.DataFrame:
    """Validated `prices` rows for one ticker around its closes (high and low `spread` away), as Stooq gave them."""
    c = closes.to_numpy()
    return pd.DataFrame(
        {
            "date": closes.index,
            "ticker": ticker,
            "open": c,
            "high": c * (1 + spread),
            "low": c * (1 - spread),
            "close": c,
            "volume": 1e6,
            "dollar_volume": c * 1e6,
            "vendor": "stooq",
            "source_file": f"prices/stooq/{ticker.lower()}.us.txt",
            "source_line": np.arange(2, len(c) + 2),
        }
    )


def range_context(first: str, last: str, **resources):
    """An asset context over a trading-day partition range, for direct invocation (settings from the environment
    unless given)."""
    resources.setdefault("settings", pipeline_settings())
    return days_context(first, last, resources)


def with_settings(resources: dict) -> dict:
    """The resources with the settings read again from the environment (after a test sets a variable)."""
    return {**resources, "settings": pipeline_settings()}


def check_context(**resources):
    """An asset check context for direct invocation (settings from the environment unless given)."""
    resources.setdefault("settings", pipeline_settings())
    return build_asset_check_context(resources=resources)


def count(warehouse, sql: str, params: list | None = None) -> int:
    with warehouse.get_connection() as conn:
        return conn.execute(sql, params or []).fetchall()[0][0]


def tick(instance, resources: dict) -> dict[str, list[str]]:
    """One pipeline_sensor tick: the partition keys of the backfill it requests, by asset ({} when it skips)."""
    from dagster import SkipReason, build_sensor_context

    from sensors.pipeline import pipeline_sensor

    wanted = {name: resources[name] for name in ("landing_zone", "warehouse", "settings")}
    with build_sensor_context(instance=instance, resources=wanted) as context:
        result = pipeline_sensor(context)
    if isinstance(result, SkipReason) or not result.run_requests:
        return {}
    (request,) = result.run_requests
    subset = request.asset_graph_subset
    planned = {
        key.to_user_string(): sorted(p.get_partition_keys())
        for key, p in subset.partitions_subsets_by_asset_key.items()
    }
    return planned | {key.to_user_string(): [""] for key in subset.non_partitioned_asset_keys}


def register(resources: dict, instance=None):
    """Register the landing zone as `stratengine update` does: tickers added, each change marked downstream."""
    from dagster import DagsterInstance

    from stratengine_assets.lineage.plan import register_zone

    instance = instance or DagsterInstance.ephemeral()
    with resources["warehouse"].session() as store:
        return register_zone(store, instance, resources["landing_zone"])


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to a server's whole process group (its code server and run workers with it), SIGKILL what is left
    after 30 s: on a fresh machine `dg dev` has outlived a SIGTERM by more than a minute."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)

"""`stratengine update`: materialize every partition that is missing or stale, as the sensors would."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from dagster import AssetKey, DagsterInstance

from partitions import range_tags, trading_day_partitions
from partitions.definitions import add_tickers
from resources.landing_zone import LandingZoneResource
from stratengine_assets.ingestion.manifest import landed_tickers, register_price_files
from stratengine_assets.runs import Say, run_step

STALE_PRICE_FILES_SQL = """
SELECT first_date, last_date FROM landing_manifest
WHERE dataset = 'prices' AND status = 'registered' AND (ingested_at IS NULL OR ingested_at < registered_at)
"""


def contiguous_ranges(keys: list[str]) -> list[tuple[str, str]]:
    """Runs of consecutive trading-day partition keys, as (first, last) pairs."""
    ranges, all_keys = [], trading_day_partitions.get_partition_keys()
    position = {key: i for i, key in enumerate(all_keys)}
    for key in sorted(keys, key=position.__getitem__):
        if ranges and position[key] == position[ranges[-1][1]] + 1:
            ranges[-1] = (ranges[-1][0], key)
        else:
            ranges.append((key, key))
    return ranges


def days_to_update(conn, instance: DagsterInstance) -> list[str]:
    """Partitions inside the landed dates never materialized, and those whose files changed since."""
    landed = conn.execute(
        "SELECT min(first_date), max(last_date) FROM landing_manifest WHERE dataset = 'prices' AND status <> 'failed'"
    ).fetchall()[0]
    if landed[0] is None:
        return []
    existing = trading_day_partitions.get_partition_keys()
    in_range = {k for k in existing if str(landed[0]) <= k <= str(landed[1])}
    done = instance.get_materialized_partitions(AssetKey("target_portfolio"))
    stale = set()
    for first, last in conn.execute(STALE_PRICE_FILES_SQL).fetchall():
        stale |= {k for k in in_range if str(first) <= k <= str(last)}
    return sorted((in_range - done) | stale)


def _reference_is_stale(instance: DagsterInstance, zone: LandingZoneResource, asset: str, dataset: str) -> bool:
    files = zone.files(dataset)
    if not files:
        return False
    latest = instance.get_latest_materialization_event(AssetKey(asset))
    return latest is None or max(f.modified for f in files) > latest.timestamp


def run_update(instance: DagsterInstance, resources: dict, direct: dict, say: Say) -> dict:
    """Register new files, then run reference data, the stale or missing day ranges, and the backtest."""
    from stratengine_assets.assets import DAILY_ASSETS
    from stratengine_assets.backtest.backtest import backtest
    from stratengine_assets.ingestion.reference import fundamentals, securities
    from stratengine_assets.research.fractional_diff import frac_diff

    zone = direct["landing_zone"]
    with direct["warehouse"].get_connection() as conn:
        failed = register_price_files(conn, zone)
        days = days_to_update(conn, instance)
    tickers = add_tickers(instance, landed_tickers(zone))
    timings = {}
    if _reference_is_stale(instance, zone, "securities", "securities"):
        timings["securities"] = run_step("securities", [securities], instance, resources, {}, say)
    if tickers and _reference_is_stale(instance, zone, "fundamentals", "fundamentals"):
        tags = range_tags(tickers[0], tickers[-1])
        timings["fundamentals"] = run_step("fundamentals", [fundamentals], instance, resources, tags, say)
    ranges = contiguous_ranges(days)
    for first, last in ranges:
        tags = range_tags(first, last)
        for asset in DAILY_ASSETS:
            name = f"{asset.key.to_user_string()} {first}..{last}"
            timings[name] = run_step(name, [asset], instance, resources, tags, say)
    if ranges and tickers:
        tags = range_tags(tickers[0], tickers[-1])
        timings["frac_diff"] = run_step("frac_diff", [frac_diff], instance, resources, tags, say)
    if ranges:
        timings["backtest"] = run_step("backtest", [backtest], instance, resources, {}, say)
    return {"ranges": ranges, "failed": failed, "timings": timings, "summary": summarize(direct, ranges)}


def summarize(direct: dict, ranges: list[tuple[str, str]]) -> pd.DataFrame:
    """Rows ingested and quarantined by reason over the updated ranges."""
    rows = []
    with direct["warehouse"].get_connection() as conn:
        for first, last in ranges:
            stop = dt.date.fromisoformat(last) + dt.timedelta(days=4)
            rows.append(
                (
                    "prices rows",
                    conn.execute("SELECT count(*) FROM prices WHERE date BETWEEN ? AND ?", [first, last]).fetchall()[0][
                        0
                    ],
                )
            )
            rows += conn.execute(
                "SELECT 'quarantined: ' || reason, count(*) FROM quarantine WHERE date >= ? AND date < ? GROUP BY 1",
                [first, stop],
            ).fetchall()
    frame = pd.DataFrame(rows, columns=["what", "rows"])
    return frame.groupby("what", as_index=False)["rows"].sum()


def run_research(instance: DagsterInstance, resources: dict, say: Say) -> dict[str, float]:
    """The in-sample grid and then the out-of-sample simulation, over everything materialized."""
    from stratengine_assets.assets import RESEARCH_ASSETS

    return {
        asset.key.to_user_string(): run_step(asset.key.to_user_string(), [asset], instance, resources, {}, say)
        for asset in RESEARCH_ASSETS
    }

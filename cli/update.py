"""`stratengine update`: materialize every partition that is missing or stale, as the sensors would."""

from __future__ import annotations

from dagster import AssetKey, DagsterInstance

from cli.reports import update_summary
from cli.runs import Say, run_step
from partitions import range_tags, trading_day_partitions
from partitions.definitions import add_tickers
from resources.landing_zone import LandingZoneResource
from storage.warehouse import Warehouse
from stratengine_assets.backtest.backtest import backtest
from stratengine_assets.ingestion.fundamentals import fundamentals
from stratengine_assets.ingestion.landed_tickers import landed_tickers
from stratengine_assets.ingestion.price_files import register_price_files
from stratengine_assets.ingestion.securities import securities
from stratengine_assets.portfolio.jobs import DAILY_ASSETS
from stratengine_assets.portfolio.target_portfolio import target_portfolio
from stratengine_assets.research.frac_diff import frac_diff


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


def days_to_update(store: Warehouse, instance: DagsterInstance) -> list[str]:
    """Partitions inside the landed dates never materialized, and those whose files changed since."""
    landed = store.landed_price_span()
    if landed[0] is None:
        return []
    existing = trading_day_partitions.get_partition_keys()
    in_range = {k for k in existing if str(landed[0]) <= k <= str(landed[1])}
    done = instance.get_materialized_partitions(target_portfolio.key)
    stale = set()
    for first, last in store.stale_price_files():
        stale |= {k for k in in_range if str(first) <= k <= str(last)}
    return sorted((in_range - done) | stale)


def _reference_is_stale(instance: DagsterInstance, zone: LandingZoneResource, asset: AssetKey, dataset: str) -> bool:
    files = zone.files(dataset)
    if not files:
        return False
    latest = instance.get_latest_materialization_event(asset)
    return latest is None or max(f.modified for f in files) > latest.timestamp


def run_update(instance: DagsterInstance, resources: dict, resolved: dict, say: Say) -> dict:
    """Register new files, then run reference data, the stale or missing day ranges, and the backtest."""
    zone = resolved["landing_zone"]
    with resolved["warehouse"].session() as store:
        failed = register_price_files(store, zone)
        days = days_to_update(store, instance)
    tickers = add_tickers(instance, landed_tickers(zone))
    timings = {}
    if _reference_is_stale(instance, zone, securities.key, "securities"):
        timings["securities"] = run_step("securities", [securities], instance, resources, {}, say)
    if tickers and _reference_is_stale(instance, zone, fundamentals.key, "fundamentals"):
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
    with resolved["warehouse"].session() as store:
        summary = update_summary(store, ranges)
    return {"ranges": ranges, "failed": failed, "timings": timings, "summary": summary}

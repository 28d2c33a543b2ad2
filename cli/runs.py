"""Materializing the asset graph over trading-day ranges, one run per asset, with progress."""

import time
from collections.abc import Callable

from dagster import AssetsDefinition, DagsterInstance, materialize

from partitions import range_tags
from stratengine_assets.backtest.backtest import backtest
from stratengine_assets.backtest.jobs import RESEARCH_ASSETS
from stratengine_assets.definitions import defs
from stratengine_assets.ingestion.fundamentals import fundamentals
from stratengine_assets.ingestion.securities import securities
from stratengine_assets.portfolio.jobs import DAILY_ASSETS
from stratengine_assets.research.frac_diff import frac_diff

QUIET_RUN = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
Say = Callable[[str], None]


def run_step(
    step: str, assets: list[AssetsDefinition], instance: DagsterInstance, resources: dict, tags: dict, say: Say
) -> float:
    """One run materializing `assets` (over the partition range in `tags`); returns its wall time."""
    started = time.perf_counter()
    say(f"{step} ...")
    result = materialize(
        [*defs.assets, *defs.asset_checks],
        selection=assets,
        instance=instance,
        resources=resources,
        tags=tags,
        run_config=QUIET_RUN,
        raise_on_error=True,
    )
    rows = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        count = materialization.metadata.get("rows")
        if count is not None:
            rows[materialization.asset_key.to_user_string()] = f"{count.value:,} rows"
    checks = [f"{c.check_name} {'passed' if c.passed else 'FAILED'}" for c in result.get_asset_check_evaluations()]
    elapsed = time.perf_counter() - started
    detail = ", ".join([*rows.values(), *dict.fromkeys(checks)])
    say(f"{step} done in {elapsed:.1f}s  {detail}  (run {result.run_id[:8]})")
    return elapsed


def materialize_days(
    instance: DagsterInstance,
    resources: dict,
    first: str,
    last: str,
    say: Say,
    reference_tickers: list[str] = (),
    research: bool = True,
) -> dict[str, float]:
    """Reference data and frac_diff (when tickers are given), every trading-day asset over [first, last], the
    backtest, then (with research) the in-sample grid and the out-of-sample simulation."""
    date_range = range_tags(first, last)
    steps = []
    if reference_tickers:
        ticker_range = range_tags(reference_tickers[0], reference_tickers[-1])
        steps += [("securities", [securities], {}), ("fundamentals", [fundamentals], ticker_range)]
    steps += [(a.key.to_user_string(), [a], date_range) for a in DAILY_ASSETS]
    if reference_tickers:
        steps.append(("frac_diff", [frac_diff], ticker_range))
    steps += [(a.key.to_user_string(), [a], {}) for a in [backtest, *(RESEARCH_ASSETS if research else [])]]
    return {
        name: run_step(f"[{n}/{len(steps)}] {name}", assets, instance, resources, tags, say)
        for n, (name, assets, tags) in enumerate(steps, start=1)
    }


def run_research(instance: DagsterInstance, resources: dict, say: Say) -> dict[str, float]:
    """The in-sample grid and then the out-of-sample simulation, over everything materialized."""
    return {
        asset.key.to_user_string(): run_step(asset.key.to_user_string(), [asset], instance, resources, {}, say)
        for asset in RESEARCH_ASSETS
    }

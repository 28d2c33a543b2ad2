"""`stratengine demo`: land the bundled sample, bring every asset up to date over it, print the result."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from dagster import DagsterInstance

from cli.reports import format_summary, summarize, update_report
from cli.update import run_update
from resources import LandingZoneResource, PipelineSettings, WarehouseResource
from resources.settings import build_resources, calendar_configured, ensure_dagster_home, resolved_resources
from stratengine_assets.portfolio.investor_portfolio import investor_plan

SAMPLE_DIR = Path(__file__).with_name("sample_data")


def land_sample(zone: LandingZoneResource, sample: Path = SAMPLE_DIR) -> list[str]:
    """Copy the bundled vendor files into the landing zone, keeping the <dataset>/<vendor>/ layout."""
    return [zone.land(path, path.parent.parent.name, path.parent.name) for path in sorted(sample.glob("*/*/*"))]


def run_demo(say: Callable[[str], None] = print) -> dict:
    """Land the sample, run `update` with research against the persistent Dagster home; return the summary."""
    home = ensure_dagster_home()
    resources, resolved = build_resources(), resolved_resources()
    zone: LandingZoneResource = resolved["landing_zone"]
    warehouse: WarehouseResource = resolved["warehouse"]
    began = time.perf_counter()
    say(f"landing zone {zone.describe()}: {len(land_sample(zone))} sample files landed; Dagster home {home}")
    outcome = run_update(DagsterInstance.get(), resources, resolved, say, research=True)
    with warehouse.session() as store:
        say("\n".join(update_report(store, outcome)))
        summary = summarize(store)
    if outcome.failed:
        raise ValueError(f"the demo's update failed: {outcome.failed}")
    say(format_summary(summary))
    say(investor_example(warehouse, resolved["settings"]))
    dg = Path(sys.executable).with_name("dg")
    span = ui_calendar(warehouse)
    say(f"demo finished in {time.perf_counter() - began:.1f}s; open the UI with: DAGSTER_HOME={home}{span} {dg} dev")
    say(f"and the dashboard with: {Path(sys.executable).with_name('stratengine')} serve")
    return summary


def ui_calendar(warehouse: WarehouseResource) -> str:
    """The sample's span as the calendar variables (unless set), so the UI's partitions cover only its days and
    coverage reads 100%, not the 22% of 2010 to today."""
    with warehouse.session() as store:
        first, last = store.span("prices", "date")
    if first is None or calendar_configured():
        return ""
    return f" STRATENGINE_START_DATE={pd.Timestamp(first).date()} STRATENGINE_END_DATE={pd.Timestamp(last).date()}"


def investor_example(warehouse: WarehouseResource, settings: PipelineSettings, amount: float = 100_000.0) -> str:
    """What `stratengine portfolio --strategy lo_minvar --amount 100000` prints."""
    strategy = settings.strategy_book().strategies["lo_minvar"]
    with warehouse.session() as store:
        result = investor_plan(store, strategy, amount, "lump_sum")
    return f"\nInvestor portfolio, lo_minvar, lump sum of {amount:,.0f}:\n{result.summary()}"

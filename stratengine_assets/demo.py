"""`stratengine demo`: land the bundled sample, materialize every asset over its dates, print the result."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
from dagster import DagsterInstance

from partitions.definitions import add_tickers
from resources import LandingZoneResource, WarehouseResource
from stratengine_assets.ingestion.manifest import landed_price_range, landed_tickers
from stratengine_assets.runs import materialize_days
from stratengine_assets.settings import build_resources, ensure_dagster_home

SAMPLE_DIR = Path(__file__).with_name("sample_data")


def land_sample(zone: LandingZoneResource, sample: Path = SAMPLE_DIR) -> list[Path]:
    """Copy the bundled vendor files into the landing zone, keeping the <dataset>/<vendor>/ layout."""
    landed = []
    for path in sorted(sample.glob("*/*/*")):
        landed.append(zone.land(path, dataset=path.parent.parent.name, vendor=path.parent.name))
    return landed


def run_demo(say: Callable[[str], None] = print) -> dict:
    """Land the sample and materialize every asset against the persistent Dagster home; return the summary."""
    home = ensure_dagster_home()
    resources = build_resources()
    direct = build_resources(direct=True)
    zone: LandingZoneResource = direct["landing_zone"]
    warehouse: WarehouseResource = direct["warehouse"]
    began = time.perf_counter()
    say(f"landing zone {zone.root}: {len(land_sample(zone))} sample files landed")
    instance = DagsterInstance.get()
    tickers = add_tickers(instance, landed_tickers(zone))
    with warehouse.get_connection() as conn:
        first, last = landed_price_range(conn, zone)
    say(f"{len(tickers)} tickers, trading days {first} .. {last}; Dagster home {home}")
    materialize_days(instance, resources, first, last, say, reference_tickers=tickers)
    summary = summarize(str(warehouse.database))
    say(format_summary(summary))
    say(investor_example(warehouse))
    dagster = Path(sys.executable).with_name("dagster")
    say(f"demo finished in {time.perf_counter() - began:.1f}s; open the UI with: DAGSTER_HOME={home} {dagster} dev")
    return summary


def investor_example(warehouse: WarehouseResource, amount: float = 100_000.0) -> str:
    """What `stratengine portfolio --strategy lo_minvar --amount 100000` prints."""
    from stratengine_assets.portfolio.generator import investor_plan
    from stratengine_assets.strategies import strategy_book

    with warehouse.get_connection() as conn:
        result = investor_plan(conn, strategy_book().strategies["lo_minvar"], amount, "lump_sum")
    return f"\nInvestor portfolio, lo_minvar, lump sum of {amount:,.0f}:\n{result.summary()}"


def summarize(database: str) -> dict:
    """Latest target portfolio per strategy and the backtest metrics, read back from the warehouse."""
    with duckdb.connect(database, read_only=True) as conn:
        holdings = conn.execute(
            "SELECT strategy_id, date, ticker, weight FROM target_portfolio "
            "QUALIFY date = max(date) OVER (PARTITION BY strategy_id) ORDER BY strategy_id, weight DESC"
        ).df()
        metrics = conn.execute("SELECT * EXCLUDE (hyperparameters) FROM backtest_metrics ORDER BY strategy_id").df()
        grid = conn.execute("SELECT * FROM backtest_grid ORDER BY strategy_id, run_id").df()
        oos = conn.execute("SELECT * FROM oos_simulation ORDER BY strategy_id").df()
        evaluation = conn.execute(
            "SELECT factor, mean_spearman_ic, ic_ir, top_minus_bottom FROM factor_evaluation "
            "WHERE horizon = 21 ORDER BY abs(ic_ir) DESC NULLS LAST"
        ).df()
    return {"holdings": holdings, "metrics": metrics, "grid": grid, "oos": oos, "evaluation": evaluation}


def format_summary(summary: dict) -> str:
    lines = []
    for sid, group in summary["holdings"].groupby("strategy_id"):
        lines.append(f"\nTarget portfolio {sid} for {pd.Timestamp(group['date'].iloc[0]).date()} ({len(group)} names):")
        lines.append(group[["ticker", "weight"]].to_string(index=False, formatters={"weight": "{:.2%}".format}))
    for row in summary["metrics"].to_dict("records"):
        lines.append(
            f"\nBacktest {row['strategy_id']} {pd.Timestamp(row['start_date']).date()} .. "
            f"{pd.Timestamp(row['end_date']).date()} ({row['frequency']}):"
        )
        lines.append(
            f"  total return {row['total_return']:.2%}  CAGR {row['cagr']:.2%}  volatility "
            f"{row['annual_volatility']:.2%}  Sharpe {row['sharpe']:.2f}  max drawdown {row['max_drawdown']:.2%}"
        )
        lines.append(
            f"  Sortino {row['sortino']:.2f}  Calmar {row['calmar']:.2f}  hit rate {row['hit_rate']:.1%}  "
            f"vs {row['benchmark']}: alpha {row['alpha']:.2%}  beta {row['beta']:.2f}  "
            f"information ratio {row['information_ratio']:.2f}"
        )
        lines.append(
            f"  trades: {row['profitable_trades']} profitable, {row['losing_trades']} losing; "
            f"average turnover per rebalance {row['avg_turnover']:.2%}; costs paid "
            f"{row['total_commission']:.2%} commission + {row['total_slippage']:.2%} slippage"
        )
    lines += format_research(summary)
    return "\n".join(lines)


def format_research(summary: dict) -> list[str]:
    """Factor evaluation at 21 days, then per strategy the in-sample grid and the out-of-sample result."""
    lines = ["\nFactor evaluation, 21-day forward returns (rank IC, IC IR, top-minus-bottom quintile):"]
    for row in summary["evaluation"].to_dict("records"):
        lines.append(
            f"  {row['factor']:<28} IC {row['mean_spearman_ic']:+.3f}  IR {row['ic_ir']:+.2f}  "
            f"spread {row['top_minus_bottom']:+.2%}"
        )
    for sid, runs in summary["grid"].groupby("strategy_id"):
        first, end = pd.Timestamp(runs["start_date"].iloc[0]).date(), pd.Timestamp(runs["end_date"].iloc[0]).date()
        lines.append(f"\nGrid {sid}, in sample {first} .. {end}: {int(runs['passed'].sum())} of {len(runs)} passed")
        for run in runs.to_dict("records"):
            mark = "selected" if run["selected"] else ("PASS" if run["passed"] else "FAIL")
            lines.append(f"  run {run['run_id']} {run['hyperparameters']}: {mark}, {run['reason']}")
    for row in summary["oos"].to_dict("records"):
        verdict = "PASS" if row["passed"] else "FAIL"
        if row["status"] != "simulated":
            lines.append(f"\nOut of sample {row['strategy_id']}: not run: {row['reason']}")
            continue
        lines.append(
            f"\nOut of sample {row['strategy_id']} {pd.Timestamp(row['start_date']).date()} .. "
            f"{pd.Timestamp(row['end_date']).date()} with run {row['source_run_id']} {row['hyperparameters']}: "
            f"{verdict}, {row['reason']}; CAGR {row['cagr']:.2%}, in-sample Sharpe {row['in_sample_sharpe']:.2f}"
        )
    return lines

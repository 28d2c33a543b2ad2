"""oos_simulation: the selected grid run's parameters traded on the later window the grid never saw."""

import json
from dataclasses import replace

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from quant.backtest.results import HEADLINE_METRICS
from quant.calendar import next_trading_day
from quant.research import verdict
from quant.strategies import ResearchRules, Strategy
from resources import PipelineSettings, WarehouseResource
from storage.warehouse import Warehouse, eq
from stratengine_assets.backtest.backtest import headline_metadata
from stratengine_assets.backtest.backtest_grid import backtest_grid, research_windows
from stratengine_assets.backtest.comparison import comparison_table
from stratengine_assets.backtest.equity_curve import equity_curve_markdown
from stratengine_assets.backtest.simulation import window_run
from stratengine_assets.common.clock import utc_now
from stratengine_assets.common.policies import warehouse_asset
from stratengine_assets.common.staleness import UNPARTITIONED, settle

SELECTED_COLUMNS = ["run_id", "hyperparameters", "sharpe", "end_date"]


def simulate_selected(
    store: Warehouse,
    strategy: Strategy,
    last: pd.Timestamp,
    rules: ResearchRules,
    benchmark: str,
    delisting_return: float | None = None,
) -> tuple[dict, pd.DataFrame, str]:
    """The out-of-sample row, its daily returns and an equity-curve picture; a 'not_run' row when no run passed.

    The window starts the session after the selected run's own in-sample end, as stored, so it cannot overlap
    what the grid saw even if the research settings changed since."""
    base = {"strategy_id": strategy.strategy_id, "computed_at": utc_now()}
    chosen_runs = eq("strategy_id", strategy.strategy_id), eq("selected", True)
    selected = store.read("backtest_grid", *chosen_runs, columns=SELECTED_COLUMNS)
    if selected.empty:
        reason = "no in-sample run passed the thresholds, so nothing was taken out of sample"
        return {**base, "status": "not_run", "passed": False, "reason": reason}, pd.DataFrame(), ""
    chosen = selected.iloc[0]
    variant = replace(strategy, **json.loads(chosen["hyperparameters"]))
    start = next_trading_day(pd.Timestamp(chosen["end_date"]))
    run = window_run(store, variant, start, last, benchmark, delisting_return)
    row = {
        **base,
        "source_run_id": int(chosen["run_id"]),
        "hyperparameters": chosen["hyperparameters"],
        "in_sample_sharpe": float(chosen["sharpe"]),
        "start_date": start,
        "end_date": last,
        "failed_rebalances": len(run.failures),
    }
    if run.metrics is None:
        return {**row, "status": "not_run", "passed": False, "reason": "no trades in the window"}, pd.DataFrame(), ""
    passed, reason = verdict(run.metrics, rules)
    row |= {k: run.metrics[k] for k in HEADLINE_METRICS} | {"status": "simulated", "passed": passed, "reason": reason}
    daily = run.simulation.daily.assign(strategy_id=strategy.strategy_id)
    picture = equity_curve_markdown(f"{strategy.strategy_id} (out of sample)", run.simulation.daily, run.benchmark)
    return row, daily, picture


@warehouse_asset(group_name="backtest", kinds={"duckdb", "cvxpy"}, deps=[backtest_grid, "prices"])
def oos_simulation(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Per strategy, the selected in-sample run's parameters (only a run that passed the thresholds) traded from
    cash on the out-of-sample window, stored apart from the backtest: metrics, whether they still pass, and
    the daily returns in oos_returns."""
    book = settings.strategy_book()
    delisting = settings.checked_delisting_return()
    metadata, rows = {}, []
    with warehouse.session() as store:
        windows = research_windows(store, book.research)
        if windows is None:
            return MaterializeResult(metadata={"rows": 0})
        for strategy in book.strategies.values():
            sid = strategy.strategy_id
            row, daily, picture = simulate_selected(
                store, strategy, windows.last, book.research, book.universe.benchmark, delisting
            )
            with store.transaction():
                store.replace("oos_simulation", pd.DataFrame([row]), eq("strategy_id", sid))
                store.replace("oos_returns", daily, eq("strategy_id", sid))
            rows.append(row)
            metadata[f"{sid}/result"] = f"{'PASS' if row['passed'] else 'FAIL'} ({row['status']}): {row['reason']}"
            if row["status"] == "simulated":
                metadata[f"{sid}/equity_curve"] = MetadataValue.md(picture)
                metadata.update(headline_metadata(sid, row))
        settle(store, "oos_simulation", [UNPARTITIONED])
    metadata["comparison"] = comparison_table({r["strategy_id"]: r for r in rows if r["status"] == "simulated"})
    metadata["out_of_sample_through"] = str(windows.last.date())
    context.log.info(f"out of sample through {windows.last.date()}: {sum(r['passed'] for r in rows)} passed")
    return MaterializeResult(metadata=metadata)

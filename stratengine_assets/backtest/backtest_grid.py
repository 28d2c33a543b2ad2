"""backtest_grid: every combination of a strategy's grid, backtested on the in-sample window, judged by thresholds."""

import json

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from quant.research import GRID_METRICS, Windows, select, split_windows, variants, verdict
from quant.strategies import ResearchRules, Strategy
from resources import PipelineSettings, WarehouseResource
from storage.warehouse import Warehouse, eq
from stratengine_assets.backtest.simulation import window_runs
from stratengine_assets.common.clock import utc_now
from stratengine_assets.common.policies import warehouse_asset
from stratengine_assets.common.staleness import UNPARTITIONED, settle
from stratengine_assets.research.signals import signals


def research_windows(store: Warehouse, rules: ResearchRules) -> Windows | None:
    """The in-sample and out-of-sample windows of the days that have signals and prices."""
    return split_windows(store.span("signals", "signal_timestamp")[0], store.span("prices", "date")[1], rules)


def grid_rows(
    store: Warehouse,
    strategies: list[Strategy],
    windows: Windows,
    rules: ResearchRules,
    benchmark: str,
    delisting_return: float | None = None,
) -> dict[str, pd.DataFrame]:
    """Per strategy, one row per grid run: parameters, in-sample metrics, pass/fail with the reason, and which run
    is selected. Every strategy's runs are solved side by side (window_runs)."""
    grid = [
        (strategy, run_id, params, variant) for strategy in strategies for run_id, params, variant in variants(strategy)
    ]
    runs = window_runs(store, [g[3] for g in grid], windows.first, windows.in_sample_end, benchmark, delisting_return)
    rows: dict[str, list[dict]] = {strategy.strategy_id: [] for strategy in strategies}
    for (strategy, run_id, params, _), run in zip(grid, runs, strict=True):
        row = {k: (run.metrics or {}).get(k) for k in GRID_METRICS}
        passed, reason = verdict(row, rules) if run.metrics else (False, "no trades in the in-sample window")
        rows[strategy.strategy_id].append(
            {
                "strategy_id": strategy.strategy_id,
                "run_id": run_id,
                "hyperparameters": json.dumps(params, sort_keys=True),
                "start_date": windows.first,
                "end_date": windows.in_sample_end,
                **row,
                "failed_rebalances": len(run.failures),
                "passed": passed,
                "reason": reason,
            }
        )
    return {sid: select(pd.DataFrame(found), rules).assign(computed_at=utc_now()) for sid, found in rows.items()}


def grid_table(frame: pd.DataFrame) -> str:
    """The runs as markdown: parameters, headline metrics, PASS/FAIL and why, the selected run marked."""
    shown = frame.assign(
        result=frame["passed"].map({True: "PASS", False: "FAIL"})
        + frame["selected"].map({True: " (selected)", False: ""})
    )
    columns = ["run_id", "hyperparameters", "sharpe", "max_drawdown", "cagr", "result", "reason"]
    return shown[columns].to_markdown(index=False, floatfmt=".3f")


@warehouse_asset(group_name="backtest", kinds={"duckdb", "cvxpy"}, deps=[signals, "prices"])
def backtest_grid(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """For each strategy, a backtest of every combination of its [grid] on the in-sample window only, each row
    with its parameters, metrics, and whether it passed the research thresholds (Sharpe, max drawdown) and why;
    the passing run with the best rank_by metric is marked selected for oos_simulation."""
    book = settings.strategy_book()
    rules, metadata = book.research, {}
    delisting = settings.checked_delisting_return()
    with warehouse.session() as store:
        windows = research_windows(store, rules)
        if windows is None:
            context.log.warning("no signals and prices to split into in-sample and out-of-sample windows yet")
            return MaterializeResult(metadata={"rows": 0})
        frames = grid_rows(store, list(book.strategies.values()), windows, rules, book.universe.benchmark, delisting)
        for strategy_id, frame in frames.items():
            store.replace("backtest_grid", frame, eq("strategy_id", strategy_id))
            metadata[f"{strategy_id}/runs"] = MetadataValue.md(grid_table(frame))
            metadata[f"{strategy_id}/passed"] = int(frame["passed"].sum())
        settle(store, "backtest_grid", [UNPARTITIONED])
    metadata["in_sample"] = f"{windows.first.date()} .. {windows.in_sample_end.date()}"
    metadata["thresholds"] = f"Sharpe >= {rules.min_sharpe:g}, max drawdown > {rules.max_drawdown:.0%}"
    return MaterializeResult(metadata=metadata)

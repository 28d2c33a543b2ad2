"""backtest_grid: every combination of a strategy's grid, backtested on the in-sample window, judged by thresholds."""

import itertools
import json
from dataclasses import dataclass, replace

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from partitions.trading_calendar import next_trading_day, trading_days
from resources import WarehouseResource
from resources.warehouse import replace_slice, transaction
from stratengine_assets.backtest.backtest import metrics_row, simulate_rebalances
from stratengine_assets.backtest.engine import Simulation
from stratengine_assets.portfolio.construction import rebalance_weights
from stratengine_assets.portfolio.rebalance import rebalance_dates
from stratengine_assets.research.signals import signals
from stratengine_assets.strategies import ResearchRules, Strategy, strategy_book

GRID_METRICS = ("total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown", "calmar")


@dataclass(frozen=True)
class Windows:
    """In-sample [first, in_sample_end] for the grid; out-of-sample [out_of_sample_start, last], never seen by it."""

    first: pd.Timestamp
    in_sample_end: pd.Timestamp
    out_of_sample_start: pd.Timestamp
    last: pd.Timestamp


def research_windows(conn, rules: ResearchRules) -> Windows | None:
    """Split the days that have signals and prices: at in_sample_end, or after in_sample_fraction of them."""
    first, last = conn.execute(
        "SELECT (SELECT min(signal_timestamp) FROM signals), (SELECT max(date) FROM prices)"
    ).fetchone()
    if first is None or last is None or first >= last:
        return None
    days = trading_days(first, last)
    if rules.in_sample_end:
        end = days[days <= pd.Timestamp(rules.in_sample_end)][-1]
    else:
        end = days[int(len(days) * rules.in_sample_fraction) - 1]
    if end >= days[-1]:
        return None
    return Windows(days[0], end, next_trading_day(end), days[-1])


def variants(strategy: Strategy) -> list[tuple[int, dict, Strategy]]:
    """(run id, the grid's values, the strategy with them) for every combination; the strategy itself if no grid."""
    keys = sorted(strategy.grid)
    combos = [dict(zip(keys, values, strict=True)) for values in itertools.product(*(strategy.grid[k] for k in keys))]
    return [(n, params, replace(strategy, **params)) for n, params in enumerate(combos, start=1)]


def verdict(row: dict, rules: ResearchRules) -> tuple[bool, str]:
    """Whether a run's metrics pass the thresholds, and why in words."""
    sharpe, drawdown = row.get("sharpe"), row.get("max_drawdown")
    sharpe, drawdown = (float("nan") if v is None else float(v) for v in (sharpe, drawdown))
    reasons = []
    if not sharpe >= rules.min_sharpe:
        reasons.append(f"Sharpe {sharpe:.2f} < {rules.min_sharpe:g}")
    if not drawdown > rules.max_drawdown:
        reasons.append(f"max drawdown {drawdown:.1%} not better than {rules.max_drawdown:.0%}")
    if reasons:
        return False, "; ".join(reasons)
    return (
        True,
        f"Sharpe {sharpe:.2f} >= {rules.min_sharpe:g} and max drawdown {drawdown:.1%} > {rules.max_drawdown:.0%}",
    )


@dataclass(frozen=True)
class WindowRun:
    """One backtest over a window: its metrics row (None when it never traded), the rebalances that failed and
    why, and the simulation with the benchmark's returns."""

    metrics: dict | None
    failures: dict[str, str]
    simulation: Simulation | None = None
    benchmark: pd.Series | None = None


def window_run(conn, strategy: Strategy, first: pd.Timestamp, last: pd.Timestamp) -> WindowRun:
    """Backtest `strategy` from cash over [first, last] only."""
    when = rebalance_dates(strategy.rebalance, first, last)
    weights, failures = rebalance_weights(conn, strategy, when, held=pd.Series(dtype="float64"))
    outcome = simulate_rebalances(conn, strategy, weights, last)
    if outcome is None:
        return WindowRun(None, failures)
    return WindowRun(metrics_row(strategy, *outcome), failures, *outcome)


def grid_rows(conn, strategy: Strategy, windows: Windows, rules: ResearchRules) -> pd.DataFrame:
    """One row per grid run: parameters, in-sample metrics, pass/fail with the reason, and which run is selected."""
    rows = []
    for run_id, params, variant in variants(strategy):
        run = window_run(conn, variant, windows.first, windows.in_sample_end)
        row = {k: (run.metrics or {}).get(k) for k in GRID_METRICS}
        passed, reason = verdict(row, rules) if run.metrics else (False, "no trades in the in-sample window")
        rows.append(
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
    return select(pd.DataFrame(rows), rules).assign(computed_at=pd.Timestamp.now(tz="UTC").tz_localize(None))


def select(runs: pd.DataFrame, rules: ResearchRules) -> pd.DataFrame:
    """Mark the passing run with the highest rank_by metric as selected (none when no run passed)."""
    runs = runs.assign(selected=False)
    passing = runs[runs["passed"]]
    if len(passing):
        runs.loc[passing[rules.rank_by].astype(float).idxmax(), "selected"] = True
    return runs


def grid_table(frame: pd.DataFrame) -> str:
    """The runs as markdown: parameters, headline metrics, PASS/FAIL and why, the selected run marked."""
    shown = frame.assign(
        result=frame["passed"].map({True: "PASS", False: "FAIL"})
        + frame["selected"].map({True: " (selected)", False: ""})
    )
    columns = ["run_id", "hyperparameters", "sharpe", "max_drawdown", "cagr", "result", "reason"]
    return shown[columns].to_markdown(index=False, floatfmt=".3f")


@asset(pool="duckdb", group_name="backtest", kinds={"duckdb", "cvxpy"}, deps=[signals, "prices"])
def backtest_grid(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """For each strategy, a backtest of every combination of its [grid] on the in-sample window only, each row
    with its parameters, metrics, and whether it passed the research thresholds (Sharpe, max drawdown) and why;
    the passing run with the best rank_by metric is marked selected for oos_simulation."""
    book = strategy_book()
    metadata = {}
    with warehouse.get_connection() as conn:
        windows = research_windows(conn, book.research)
        if windows is None:
            context.log.warning("no signals and prices to split into in-sample and out-of-sample windows yet")
            return MaterializeResult(metadata={"rows": 0})
        for strategy in book.strategies.values():
            frame = grid_rows(conn, strategy, windows, book.research)
            with transaction(conn):
                replace_slice(conn, "backtest_grid", frame, "strategy_id = ?", [strategy.strategy_id])
            metadata[f"{strategy.strategy_id}/runs"] = MetadataValue.md(grid_table(frame))
            metadata[f"{strategy.strategy_id}/passed"] = int(frame["passed"].sum())
    rules = book.research
    metadata["in_sample"] = f"{windows.first.date()} .. {windows.in_sample_end.date()}"
    metadata["thresholds"] = f"Sharpe >= {rules.min_sharpe:g}, max drawdown > {rules.max_drawdown:.0%}"
    return MaterializeResult(metadata=metadata)

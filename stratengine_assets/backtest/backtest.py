"""backtest: each strategy traded over every materialized target-portfolio date, with costs and metrics."""

import json

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from partitions.trading_calendar import trading_days
from resources import WarehouseResource
from resources.warehouse import replace_slice, transaction
from stratengine_assets.backtest import metrics
from stratengine_assets.backtest.engine import Simulation, simulate
from stratengine_assets.backtest.report import equity_curve_markdown
from stratengine_assets.portfolio.target_portfolio import target_portfolio
from stratengine_assets.price_history import close_matrix
from stratengine_assets.research.factor_math import daily_returns, forward_fill
from stratengine_assets.strategies import Strategy, strategy_book

HEADLINE_METRICS = (
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "hit_rate",
    "avg_turnover",
    "alpha",
    "beta",
    "information_ratio",
)

REBALANCES_SQL = """
SELECT rebalance_date, ticker, weight FROM target_portfolio WHERE strategy_id = ?
QUALIFY date = min(date) OVER (PARTITION BY rebalance_date)
"""


def _returns(conn, tickers: list[str], first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    days = trading_days(first, last)
    index = pd.Index(sorted(tickers))
    close = forward_fill(close_matrix(conn, index, days))
    return pd.DataFrame(daily_returns(close), index=days, columns=index)


def metrics_row(strategy: Strategy, sim: Simulation, benchmark: pd.Series) -> dict:
    """One row of metrics; benchmark-relative ones over the days the benchmark has a return."""
    r = sim.daily["net_return"].to_numpy()
    aligned = benchmark.reindex(pd.DatetimeIndex(sim.daily["date"])).to_numpy()
    known = np.isfinite(aligned)
    alpha, beta = metrics.alpha_beta(r[known], aligned[known]) if known.sum() > 2 else (np.nan, np.nan)
    return {
        "strategy_id": strategy.strategy_id,
        "computed_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
        "start_date": sim.daily["date"].iloc[0],
        "end_date": sim.daily["date"].iloc[-1],
        "frequency": "daily",
        "total_return": metrics.total_return(r),
        "cagr": metrics.cagr(r),
        "annual_volatility": metrics.annual_volatility(r),
        "sharpe": metrics.sharpe_ratio(r),
        "sortino": metrics.sortino_ratio(r),
        "max_drawdown": metrics.max_drawdown(r),
        "calmar": metrics.calmar_ratio(r),
        "hit_rate": metrics.hit_rate(r),
        "profitable_trades": sim.profitable_trades,
        "losing_trades": sim.losing_trades,
        "avg_turnover": float(np.mean(sim.rebalance_turnover)) if len(sim.rebalance_turnover) else 0.0,
        "benchmark": benchmark.name,
        "alpha": alpha,
        "beta": beta,
        "information_ratio": metrics.information_ratio(r[known], aligned[known]) if known.sum() > 2 else np.nan,
        "hyperparameters": json.dumps(strategy.hyperparameters(), sort_keys=True),
        "total_commission": float(sim.daily["commission"].sum()),
        "total_slippage": float(sim.daily["slippage"].sum()),
    }


def simulate_rebalances(
    conn, strategy: Strategy, rebalances: pd.DataFrame, last: pd.Timestamp
) -> tuple[Simulation, pd.Series] | None:
    """Trade rows (rebalance_date, ticker, weight) through `last`; the simulation and the benchmark's returns."""
    if rebalances.empty:
        return None
    rebalances = rebalances.assign(rebalance_date=pd.to_datetime(rebalances["rebalance_date"]))
    targets = {d: g.set_index("ticker")["weight"] for d, g in rebalances.groupby("rebalance_date")}
    returns = _returns(conn, rebalances["ticker"].unique().tolist(), min(targets), last)
    sim = simulate(targets, returns, strategy.costs())
    if sim.daily.empty:
        return None
    benchmark = strategy_book().universe.benchmark
    return sim, _returns(conn, [benchmark], min(targets), last)[benchmark].rename(benchmark)


def run_strategy(conn, strategy: Strategy) -> tuple[pd.DataFrame, dict] | None:
    """Simulate one strategy over its materialized targets; None when it has none yet."""
    rebalances = conn.execute(REBALANCES_SQL, [strategy.strategy_id]).df()
    last = conn.execute("SELECT max(date) FROM target_portfolio WHERE strategy_id = ?", [strategy.strategy_id])
    outcome = simulate_rebalances(conn, strategy, rebalances, pd.Timestamp(last.fetchone()[0]))
    if outcome is None:
        return None
    sim, reference = outcome
    row = metrics_row(strategy, sim, reference)
    row["equity_curve"] = equity_curve_markdown(strategy.strategy_id, sim.daily, reference)
    return sim.daily.assign(strategy_id=strategy.strategy_id), row


@asset(pool="duckdb", group_name="backtest", kinds={"duckdb"}, deps=[target_portfolio, "prices"])
def backtest(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Daily returns and one metrics row per strategy; targets trade at the next session's close."""
    results = {}
    with warehouse.get_connection() as conn:
        for strategy in strategy_book().strategies.values():
            outcome = run_strategy(conn, strategy)
            if outcome is None:
                context.log.warning(f"{strategy.strategy_id}: no target portfolio materialized yet")
                continue
            daily, row = outcome
            with transaction(conn):
                replace_slice(conn, "backtest_returns", daily, "strategy_id = ?", [strategy.strategy_id])
                stored = pd.DataFrame([{k: v for k, v in row.items() if k != "equity_curve"}])
                replace_slice(conn, "backtest_metrics", stored, "strategy_id = ?", [strategy.strategy_id])
            results[strategy.strategy_id] = row
    metadata = {"strategies": len(results)}
    for sid, row in results.items():
        metadata[f"{sid}/equity_curve"] = MetadataValue.md(row["equity_curve"])
        metadata.update(headline_metadata(sid, row))
    return MaterializeResult(metadata=metadata)


def headline_metadata(prefix: str, row: dict) -> dict:
    """The headline metrics as numbers, so the UI plots them over runs."""
    return {f"{prefix}/{key}": MetadataValue.float(float(row[key])) for key in HEADLINE_METRICS}

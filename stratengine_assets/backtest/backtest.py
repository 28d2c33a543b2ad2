"""backtest: each strategy traded over every materialized target-portfolio date, with costs and metrics."""

import pandas as pd
from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue

from quant.backtest.results import metrics_row
from quant.strategies import Strategy
from resources import PipelineSettings, WarehouseResource
from storage.warehouse import Warehouse, eq
from stratengine_assets.backtest.comparison import comparison_table
from stratengine_assets.backtest.equity_curve import equity_curves_markdown
from stratengine_assets.backtest.simulation import simulate_rebalances
from stratengine_assets.common.clock import utc_now
from stratengine_assets.common.policies import warehouse_asset
from stratengine_assets.common.staleness import UNPARTITIONED, settle
from stratengine_assets.portfolio.target_portfolio import target_portfolio


def run_strategy(
    store: Warehouse, strategy: Strategy, benchmark: str, delisting_return: float | None = None
) -> tuple[pd.DataFrame, dict, pd.DataFrame] | None:
    """Simulate one strategy over its materialized targets: daily returns, metrics row and its events (exits of
    names that stopped trading, targets left unfilled for want of a price); None when it has no targets yet."""
    rebalances = store.rebalance_books(strategy.strategy_id)
    last = store.span("target_portfolio", "date", eq("strategy_id", strategy.strategy_id))[1]
    outcome = simulate_rebalances(store, strategy, rebalances, pd.Timestamp(last), benchmark, delisting_return)
    if outcome is None:
        return None
    sim, reference = outcome
    row = metrics_row(strategy, sim, reference)
    row["curve"] = (sim.daily, reference)
    sid = strategy.strategy_id
    return sim.daily.assign(strategy_id=sid), row, sim.events.assign(strategy_id=sid)


def events_metadata(sid: str, events: pd.DataFrame) -> dict:
    """How many names left for delisting and how many targets went unfilled; the exits themselves as a table."""
    counts = events["event"].value_counts()
    metadata = {f"{sid}/{kind}": int(counts.get(kind, 0)) for kind in ("delisted", "unfilled")}
    exits = events[events["event"] == "delisted"]
    if len(exits):
        shown = exits.assign(date=exits["date"].dt.date.astype(str), weight=exits["weight"].map("{:.2%}".format))
        metadata[f"{sid}/delisted_exits"] = MetadataValue.md(
            shown[["date", "ticker", "weight", "detail"]].head(50).to_markdown(index=False)
        )
    return metadata


def headline_metadata(prefix: str, row: dict) -> dict:
    """The Sharpe ratio as a number, so the UI plots it over runs (every figure is in the comparison table)."""
    return {f"{prefix}/sharpe": MetadataValue.float(float(row["sharpe"]))}


BACKTEST_TABLES = ("backtest_returns", "backtest_events", "backtest_metrics")


@warehouse_asset(group_name="backtest", kinds={"duckdb"}, deps=[target_portfolio, "prices"])
def backtest(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Daily returns and one metrics row per strategy; targets trade at the next session's close."""
    book = settings.strategy_book()
    delisting = settings.checked_delisting_return()
    results, notes = {}, {}
    with warehouse.session() as store:
        for strategy in book.strategies.values():
            outcome = run_strategy(store, strategy, book.universe.benchmark, delisting)
            if outcome is None:  # no book (yet, or any longer: its days retired): no backtest either
                context.log.warning(f"{strategy.strategy_id}: no target portfolio materialized")
                with store.transaction():
                    for table in BACKTEST_TABLES:
                        store.delete(table, eq("strategy_id", strategy.strategy_id))
                continue
            daily, row, events = outcome
            for event in events[events["event"] == "delisted"].itertuples():
                context.log.info(f"{strategy.strategy_id}: {event.ticker} left on {event.date.date()}: {event.detail}")
            notes[strategy.strategy_id] = events_metadata(strategy.strategy_id, events)
            with store.transaction():
                store.replace("backtest_returns", daily, eq("strategy_id", strategy.strategy_id))
                store.replace("backtest_events", events, eq("strategy_id", strategy.strategy_id))
                stored = pd.DataFrame([{k: v for k, v in row.items() if k != "curve"} | {"computed_at": utc_now()}])
                store.replace("backtest_metrics", stored, eq("strategy_id", strategy.strategy_id))
            results[strategy.strategy_id] = row
        held = store.count("target_portfolio")
        if held and not results:
            raise Failure(f"backtest: {held:,} target portfolio rows but no strategy could be simulated")
        settle(store, "backtest", [UNPARTITIONED])
    metadata = {"strategies": len(results), "comparison": comparison_table(results)}
    if results:
        benchmark = next(iter(results.values()))["curve"][1]
        curves = {sid: row["curve"][0] for sid, row in results.items()}
        metadata["equity_curves"] = MetadataValue.md(equity_curves_markdown(curves, benchmark))
    for sid, row in results.items():
        metadata.update(headline_metadata(sid, row))
        metadata.update(notes[sid])
    return MaterializeResult(metadata=metadata)

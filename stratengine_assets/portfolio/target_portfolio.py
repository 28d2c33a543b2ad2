"""target_portfolio: weights per strategy and trading day, optimized on rebalance days and carried between them."""

import pandas as pd
from dagster import (
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
)

from quant.calendar import trading_days
from quant.rebalance import carry_weights, rebalances_for_window
from quant.strategies import Strategy
from resources import PipelineSettings, WarehouseResource
from storage.warehouse import Warehouse, between
from stratengine_assets.common.partition_range import partition_dates, partition_days
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.windows import reads
from stratengine_assets.ingestion.securities import securities
from stratengine_assets.portfolio.rebalance_weights import RebalanceRequest, rebalance_weights_of
from stratengine_assets.research.signals import signals


def strategy_targets(
    store: Warehouse, strategies: list[Strategy], first: pd.Timestamp, last: pd.Timestamp
) -> list[tuple[pd.DataFrame, dict[str, str]]]:
    """Per strategy, rows (date, strategy_id, ticker, weight, rebalance_date) for every trading day in [first, last]
    and the rebalances that failed; the strategies' rebalances solved side by side."""
    requests = [RebalanceRequest(s, rebalances_for_window(s.rebalance, first, last)) for s in strategies]
    days, out = trading_days(first, last), []
    for strategy, (solved, failures) in zip(strategies, rebalance_weights_of(store, requests), strict=True):
        rows = pd.DataFrame() if solved.empty else carry_weights(solved, days).assign(strategy_id=strategy.strategy_id)
        out.append((rows, failures))
    return out


def holdings_metadata(table: pd.DataFrame) -> dict:
    """Per strategy on the latest day: names, net and gross exposure as numbers, the top holdings as a table."""
    metadata = {}
    if table.empty:
        return metadata
    latest = table[table["date"] == table["date"].max()]
    for sid, book in latest.groupby("strategy_id"):
        metadata[f"{sid}/names"] = len(book)
        metadata[f"{sid}/net_exposure"] = float(book["weight"].sum())
        metadata[f"{sid}/gross_exposure"] = float(book["weight"].abs().sum())
        top = book.reindex(book["weight"].abs().sort_values(ascending=False).index).head(10)
        metadata[f"{sid}/top_holdings"] = MetadataValue.md(top[["ticker", "weight"]].to_markdown(index=False))
    return metadata


@trading_day_asset(
    group_name="portfolio",
    kinds={"duckdb", "cvxpy"},
    deps=[
        signals,
        reads("target_portfolio", "prices"),
        "factors",
        securities,
        reads("target_portfolio", "target_portfolio"),  # the book held
    ],
)
def target_portfolio(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Per strategy, weights on its rebalance days, carried on the days between: cvxpy mean-variance (long-only or
    long-short), minimum variance, or a ranking rule with equal weights."""
    first, last = partition_dates(context)
    frames, failures = [], {}
    with warehouse.session() as store:
        strategies = list(settings.strategy_book().strategies.values())
        for strategy, (rows, failed) in zip(strategies, strategy_targets(store, strategies, first, last), strict=True):
            frames.append(rows)
            failures.update({f"{strategy.strategy_id} {day}": why for day, why in failed.items()})
        table = pd.concat(frames, ignore_index=True) if any(len(f) for f in frames) else pd.DataFrame()
        if table.empty and failures:
            raise Failure(f"target_portfolio: no book for {first.date()}..{last.date()}; rebalances failed: {failures}")
        with store.transaction():
            written = store.replace("target_portfolio", table, between("date", first, last))
            settle(store, "target_portfolio", partition_days(context))
    for key, why in failures.items():
        context.log.warning(f"rebalance skipped, previous weights carried: {key}: {why}")
    return MaterializeResult(
        metadata={"rows": written, "failed_rebalances": MetadataValue.json(failures), **holdings_metadata(table)}
    )

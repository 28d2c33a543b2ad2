"""Target weights per strategy and trading day: optimized on rebalance days, carried between them."""

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from partitions.trading_calendar import trading_days
from resources import WarehouseResource
from resources.warehouse import replace_slice, transaction
from stratengine_assets.calendar_sql import partition_dates
from stratengine_assets.portfolio.construction import rebalance_weights
from stratengine_assets.portfolio.rebalance import carry_forward, rebalances_for_window
from stratengine_assets.research.signals import signals
from stratengine_assets.strategies import Strategy, strategy_book
from stratengine_assets.trading_day_asset import trading_day_asset


def strategy_targets(
    conn, strategy: Strategy, first: pd.Timestamp, last: pd.Timestamp
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rows (date, strategy_id, ticker, weight, rebalance_date) for every trading day in [first, last]."""
    solved, failures = rebalance_weights(conn, strategy, rebalances_for_window(strategy.rebalance, first, last))
    if solved.empty:
        return pd.DataFrame(), failures
    return _carry(solved, strategy.strategy_id, trading_days(first, last)), failures


def _carry(solved: pd.DataFrame, strategy_id: str, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Repeat each rebalance's weights on every day until the next rebalance."""
    solved = solved.sort_values("rebalance_date", kind="stable").reset_index(drop=True)
    stamps = solved["rebalance_date"].to_numpy()
    rebalances = np.unique(stamps)
    source = carry_forward(days, pd.DatetimeIndex(rebalances))
    held = source >= 0
    starts = np.searchsorted(stamps, rebalances, side="left")[source[held]]
    sizes = (np.searchsorted(stamps, rebalances, side="right") - np.searchsorted(stamps, rebalances))[source[held]]
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    rows = solved.iloc[np.repeat(starts, sizes) + offsets].reset_index(drop=True)
    return rows.assign(date=np.repeat(days[held], sizes), strategy_id=strategy_id)


@trading_day_asset(
    group_name="portfolio",
    kinds={"duckdb", "cvxpy"},
    deps=[signals, "prices"],
)
def target_portfolio(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Per strategy, weights on its rebalance days, carried on the days between: cvxpy mean-variance (long-only or
    long-short), minimum variance, or a ranking rule with equal weights."""
    first, last = partition_dates(context)
    frames, failures = [], {}
    with warehouse.get_connection() as conn:
        for strategy in strategy_book().strategies.values():
            rows, failed = strategy_targets(conn, strategy, first, last)
            frames.append(rows)
            failures.update({f"{strategy.strategy_id} {day}": why for day, why in failed.items()})
        table = pd.concat(frames, ignore_index=True) if any(len(f) for f in frames) else pd.DataFrame()
        with transaction(conn):
            written = replace_slice(conn, "target_portfolio", table, "date BETWEEN ? AND ?", [first, last])
    for key, why in failures.items():
        context.log.warning(f"rebalance skipped, previous weights carried: {key}: {why}")
    return MaterializeResult(
        metadata={"rows": written, "failed_rebalances": MetadataValue.json(failures), **holdings_metadata(table)}
    )


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

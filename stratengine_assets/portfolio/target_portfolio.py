"""Target weights per strategy and trading day: optimized on rebalance days, carried between them."""

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from partitions.trading_calendar import shift_trading_days, trading_days
from resources import WarehouseResource
from resources.warehouse import replace_slice, transaction
from stratengine_assets.calendar_sql import partition_dates
from stratengine_assets.portfolio.optimizer import InfeasiblePortfolio, optimize
from stratengine_assets.portfolio.rebalance import carry_forward, rebalances_for_window
from stratengine_assets.portfolio.risk import pca_risk_model, usable_names
from stratengine_assets.price_history import close_matrix
from stratengine_assets.research.factor_math import daily_returns
from stratengine_assets.research.signals import signals
from stratengine_assets.strategies import Strategy, strategy_book
from stratengine_assets.trading_day_asset import trading_day_asset

CANDIDATES_SQL = """
SELECT signal_timestamp AS date, symbol AS ticker, signal FROM signals
WHERE strategy_id = $strategy AND list_contains($days, signal_timestamp)
QUALIFY row_number() OVER (PARTITION BY signal_timestamp ORDER BY signal DESC, symbol) <= $best
     OR row_number() OVER (PARTITION BY signal_timestamp ORDER BY signal ASC, symbol) <= $worst
"""

RANKED_SQL = """
SELECT date, ticker, raw_value FROM factors
WHERE factor = $factor AND list_contains($days, date) AND raw_value > 0
QUALIFY row_number() OVER (PARTITION BY date ORDER BY raw_value DESC, ticker) <= $top_n
"""


def ranked_equal_weight(conn, strategy: Strategy, when: pd.DatetimeIndex) -> pd.DataFrame:
    """The top_n names with a positive rank_factor (e.g. beating the benchmark), equally weighted."""
    ranked = conn.execute(
        RANKED_SQL, {"factor": strategy.rank_factor, "days": list(when.date), "top_n": strategy.top_n}
    ).df()
    ranked["weight"] = 1.0 / ranked.groupby("date")["ticker"].transform("size")
    ranked["rebalance_date"] = pd.to_datetime(ranked["date"])
    return ranked[["ticker", "weight", "rebalance_date"]]


def _solve(
    strategy: Strategy,
    candidates: pd.DataFrame,
    close: np.ndarray,
    days: pd.DatetimeIndex,
    tickers: pd.Index,
    when: pd.Timestamp,
) -> pd.DataFrame:
    """Optimize one rebalance: alpha from signals, risk from a PCA factor model of the candidates' trailing returns."""
    end = days.get_loc(when) + 1
    cols = tickers.get_indexer(candidates["ticker"])
    returns = daily_returns(close[max(0, end - strategy.covariance_lookback - 1) : end, cols])[1:]
    keep = usable_names(returns)
    returns, picked = returns[:, keep], candidates[keep]
    model = pca_risk_model(returns, strategy.risk_factors)
    alpha = strategy.information_coefficient * model.volatility() * picked["signal"].to_numpy()
    if strategy.construction == "min_variance":
        alpha = np.zeros(len(picked))
    weights = optimize(alpha, model, strategy.limits(), strategy.risk_aversion)
    held = weights != 0
    return pd.DataFrame({"ticker": picked["ticker"].to_numpy()[held], "weight": weights[held], "rebalance_date": when})


def strategy_targets(
    conn, strategy: Strategy, first: pd.Timestamp, last: pd.Timestamp
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rows (date, strategy_id, ticker, weight, rebalance_date) for every trading day in [first, last]."""
    when = rebalances_for_window(strategy.rebalance, first, last)
    if strategy.construction == "top_n_equal_weight":
        ranked = ranked_equal_weight(conn, strategy, when)
        return (_carry(ranked, strategy.strategy_id, trading_days(first, last)) if len(ranked) else ranked), {}
    best = strategy.candidates if strategy.long_only else strategy.candidates // 2
    worst = 0 if strategy.long_only else strategy.candidates // 2
    candidates = conn.execute(
        CANDIDATES_SQL, {"strategy": strategy.strategy_id, "days": list(when.date), "best": best, "worst": worst}
    ).df()
    if candidates.empty:
        return pd.DataFrame(), {}
    candidates["date"] = pd.to_datetime(candidates["date"])
    days = trading_days(shift_trading_days(when[0], -(strategy.covariance_lookback + 1)), when[-1])
    tickers = pd.Index(sorted(candidates["ticker"].unique()))
    close = close_matrix(conn, tickers, days)
    solved, failures = [], {}
    for date, group in candidates.groupby("date"):
        try:
            solved.append(_solve(strategy, group, close, days, tickers, date))
        except InfeasiblePortfolio as exc:
            failures[str(date.date())] = str(exc)
    if not solved:
        return pd.DataFrame(), failures
    return _carry(pd.concat(solved), strategy.strategy_id, trading_days(first, last)), failures


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

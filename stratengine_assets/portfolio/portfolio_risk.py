"""portfolio_risk: 1- and 10-day VaR and CVaR at 95% and 99% of each target portfolio, two Monte Carlo methods."""

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult

from partitions.trading_calendar import shift_trading_days, trading_days
from resources import WarehouseResource
from resources.warehouse import replace_slice, transaction
from stratengine_assets.calendar_sql import partition_dates
from stratengine_assets.portfolio.risk import pca_risk_model
from stratengine_assets.portfolio.target_portfolio import target_portfolio
from stratengine_assets.portfolio.var import portfolio_var
from stratengine_assets.price_history import close_matrix
from stratengine_assets.research.factor_math import daily_returns, forward_fill
from stratengine_assets.trading_day_asset import trading_day_asset

LOOKBACK = 252

BOOKS_SQL = """
SELECT date, strategy_id, ticker, weight FROM target_portfolio
WHERE date BETWEEN $first AND $last AND (date = rebalance_date OR date = $last)
"""


def book_risk(conn, book: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """VaR table of one book on one day, from its names' returns over the LOOKBACK sessions to that day."""
    days = trading_days(shift_trading_days(day, -LOOKBACK), day)
    tickers = pd.Index(sorted(book["ticker"]))
    returns = daily_returns(forward_fill(close_matrix(conn, tickers, days), limit=5))[1:]
    weights = book.set_index("ticker")["weight"].reindex(tickers).to_numpy()
    return portfolio_var(weights, returns, pca_risk_model(returns), seed=int(day.strftime("%Y%m%d")))


@trading_day_asset(group_name="portfolio", kinds={"duckdb", "numpy"}, deps=[target_portfolio, "prices"])
def portfolio_risk(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """On each rebalance day and the range's last day: VaR and CVaR by historical bootstrap and by the PCA
    factor model, 10,000 paths each, as positive fractions of NAV."""
    first, last = partition_dates(context)
    frames = []
    with warehouse.get_connection() as conn:
        books = conn.execute(BOOKS_SQL, {"first": first, "last": last}).df()
        for (day, strategy_id), book in books.groupby(["date", "strategy_id"]):
            frames.append(book_risk(conn, book, pd.Timestamp(day)).assign(date=day, strategy_id=strategy_id))
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        with transaction(conn):
            written = replace_slice(conn, "portfolio_risk", table, "date BETWEEN ? AND ?", [first, last])
    metadata = {"rows": written}
    if written:
        latest = table[(table["date"] == table["date"].max()) & (table["horizon_days"] == 1)]
        for row in latest[latest["confidence"] == 0.99].itertuples():
            metadata[f"{row.strategy_id}/var_1d_99/{row.method}"] = float(np.round(row.var, 6))
    return MaterializeResult(metadata=metadata)

"""portfolio_risk: 1- and 10-day VaR and CVaR at 95% and 99% of each target portfolio, two Monte Carlo methods."""

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult

from quant.calendar import shift_trading_days, trading_days
from quant.panel import daily_returns, forward_fill
from quant.risk_model import pca_risk_model
from quant.var import portfolio_var
from resources import WarehouseResource
from storage.warehouse import Warehouse, between
from stratengine_assets.common.partition_range import partition_dates, partition_days
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.windows import RISK_HISTORY, reads
from stratengine_assets.portfolio.target_portfolio import target_portfolio


class ClosePanel:
    """The closes every book of a run reads, read once: windows of it are sliced per book."""

    def __init__(self, store: Warehouse, books: pd.DataFrame) -> None:
        self.days = trading_days(shift_trading_days(books["date"].min(), -RISK_HISTORY), books["date"].max())
        self.tickers = pd.Index(sorted(books["ticker"].unique()))
        self.close = store.read_panel("prices", "close", self.days, self.tickers)

    def window(self, day: pd.Timestamp, sessions: int, tickers: pd.Index) -> np.ndarray:
        """Closes of `tickers` over the `sessions` sessions before `day` and the day itself (sessions + 1 rows)."""
        end = int(self.days.get_loc(day)) + 1
        return self.close[end - sessions - 1 : end][:, self.tickers.get_indexer(tickers)]


def book_risk(closes: ClosePanel, book: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """VaR table of one book on one day, from its names' returns over the RISK_HISTORY sessions to that day."""
    tickers = pd.Index(sorted(book["ticker"]))
    returns = daily_returns(forward_fill(closes.window(day, RISK_HISTORY, tickers), limit=5))[1:]
    weights = book.set_index("ticker")["weight"].reindex(tickers).to_numpy()
    return portfolio_var(weights, returns, pca_risk_model(returns), seed=int(day.strftime("%Y%m%d")))


@trading_day_asset(
    group_name="portfolio",
    kinds={"duckdb", "numpy"},
    deps=[
        reads("portfolio_risk", target_portfolio),  # is it the latest day
        reads("portfolio_risk", "prices"),
    ],
)
def portfolio_risk(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """On each rebalance day and each strategy's latest day: VaR and CVaR by historical bootstrap and by the PCA
    factor model, 10,000 paths each, as positive fractions of NAV."""
    first, last = partition_dates(context)
    frames = []
    with warehouse.session() as store:
        books = store.books_to_measure(first, last)
        closes = ClosePanel(store, books) if len(books) else None
        for (day, strategy_id), book in books.groupby(["date", "strategy_id"]):
            frames.append(book_risk(closes, book, pd.Timestamp(day)).assign(date=day, strategy_id=strategy_id))
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        with store.transaction():
            written = store.replace("portfolio_risk", table, between("date", first, last))
            settle(store, "portfolio_risk", partition_days(context))
    metadata = {"rows": written}
    if written:
        latest = table[(table["date"] == table["date"].max()) & (table["horizon_days"] == 1)]
        for row in latest[latest["confidence"] == 0.99].itertuples():
            metadata[f"{row.strategy_id}/var_1d_99/{row.method}"] = float(np.round(row.var, 6))
    return MaterializeResult(metadata=metadata)

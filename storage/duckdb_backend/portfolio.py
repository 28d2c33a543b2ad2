"""Portfolio and backtest queries: rebalance candidates, books held, rankings, the books risk and backtests read."""

from __future__ import annotations

import pandas as pd

from storage.duckdb_backend.session import Session
from storage.duckdb_backend.sql import checked_column
from storage.schema import factor_column
from storage.warehouse import Day

# the factors are cut to the rebalance days before the join: the whole table on the build side cost 1.2 s a call
CANDIDATES_SQL = """
SELECT s.signal_timestamp AS date, s.symbol AS ticker, s.signal,
       row_number() OVER (PARTITION BY s.signal_timestamp ORDER BY s.signal DESC, s.symbol) AS best_rank,
       row_number() OVER (PARTITION BY s.signal_timestamp ORDER BY s.signal ASC, s.symbol) AS worst_rank,
       coalesce(f.{beta}, $market_beta) AS beta, coalesce(sec.sector, '') AS sector
FROM signals s
LEFT JOIN (SELECT date, ticker, {beta} FROM factors WHERE date IN (SELECT unnest($days::DATE[]))) f
  ON f.date = s.signal_timestamp AND f.ticker = s.symbol
LEFT JOIN securities sec ON sec.ticker = s.symbol
WHERE s.strategy_id = $strategy AND s.signal_timestamp IN (SELECT unnest($days::DATE[]))
"""

PREVIOUS_BOOK_SQL = """
SELECT ticker, weight FROM target_portfolio
WHERE strategy_id = $strategy AND date = rebalance_date AND rebalance_date = (
    SELECT max(rebalance_date) FROM target_portfolio WHERE strategy_id = $strategy AND rebalance_date < $before)
"""

RANKED_SQL = """
SELECT date, ticker, {raw} AS raw_value FROM factors
WHERE date IN (SELECT unnest($days::DATE[])) AND {raw} > 0
QUALIFY row_number() OVER (PARTITION BY date ORDER BY {raw} DESC, ticker) <= $top_n
"""

BOOKS_SQL = """
SELECT date, strategy_id, ticker, weight FROM target_portfolio book
WHERE date BETWEEN $first AND $last AND (
    date = rebalance_date
    OR date = (SELECT max(latest.date) FROM target_portfolio latest WHERE latest.strategy_id = book.strategy_id))
"""

REBALANCES_SQL = """
SELECT rebalance_date, ticker, weight FROM target_portfolio WHERE strategy_id = ?
QUALIFY date = min(date) OVER (PARTITION BY rebalance_date)
"""

LATEST_HOLDINGS_SQL = """
SELECT strategy_id, date, ticker, weight FROM target_portfolio
QUALIFY date = max(date) OVER (PARTITION BY strategy_id) ORDER BY strategy_id, weight DESC
"""


class PortfolioQueries(Session):
    """What portfolio construction, risk and the backtests read beyond a filter."""

    def rebalance_candidates(
        self, strategy_id: str, days: pd.DatetimeIndex, beta_factor: str, market_beta: float
    ) -> pd.DataFrame:
        params = {
            "strategy": strategy_id,
            "days": list(days.date),
            "market_beta": market_beta,
        }
        beta = checked_column("factors", factor_column(beta_factor, "raw_value"))
        return self.conn.execute(CANDIDATES_SQL.format(beta=beta), params).df()

    def last_rebalance_book(self, strategy_id: str, before: Day) -> pd.Series:
        rows = self.conn.execute(PREVIOUS_BOOK_SQL, {"strategy": strategy_id, "before": pd.Timestamp(before).date()})
        return rows.df().set_index("ticker")["weight"]

    def top_by_factor(self, factor: str, days: pd.DatetimeIndex, top_n: int) -> pd.DataFrame:
        sql = RANKED_SQL.format(raw=checked_column("factors", factor_column(factor, "raw_value")))
        return self.conn.execute(sql, {"days": list(days.date), "top_n": top_n}).df()

    def books_to_measure(self, first: Day, last: Day) -> pd.DataFrame:
        return self.conn.execute(BOOKS_SQL, {"first": first, "last": last}).df()

    def rebalance_books(self, strategy_id: str) -> pd.DataFrame:
        return self.conn.execute(REBALANCES_SQL, [strategy_id]).df()

    def latest_holdings(self) -> pd.DataFrame:
        return self.conn.execute(LATEST_HOLDINGS_SQL).df()

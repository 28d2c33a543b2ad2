"""The price validation rules, as SQL over raw_prices: which rows become prices and which are quarantined."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from storage.duckdb_backend.session import Session
from storage.duckdb_backend.sql import member_of
from storage.schema import columns
from storage.warehouse import Day, PriceRules, PriceValidation

# prices' columns in table order, dollar volume computed from the raw bar
PRICE_TABLE_COLUMNS = ", ".join("close * volume" if c == "dollar_volume" else c for c in columns("prices"))

STRUCTURAL_SQL = """
CREATE OR REPLACE TEMP TABLE checked_prices AS
WITH raw AS (
    SELECT r.*, coalesce(v.rank, 1000) AS vendor_rank, f.modified,
           count(*) OVER (PARTITION BY r.ticker, r.date, r.source_file) AS copies
    FROM raw_prices r
    LEFT JOIN vendor_ranks v USING (vendor)
    LEFT JOIN landing_manifest f ON f.key = r.source_file
    WHERE r.date >= $start AND r.date < $end
)
SELECT raw.*, CASE
    WHEN calendar.date IS NULL THEN 'non_trading_day'
    WHEN open IS NULL OR high IS NULL OR low IS NULL OR close IS NULL THEN 'missing_price'
    WHEN least(open, high, low, close) <= 0 THEN 'non_positive_price'
    WHEN high < low THEN 'high_below_low'
    WHEN close > high OR close < low THEN 'close_outside_range'
    WHEN volume IS NULL THEN 'missing_volume'
    WHEN volume < 0 THEN 'negative_volume'
    WHEN copies > 1 THEN 'duplicate_row'
END AS reason
FROM raw LEFT JOIN calendar USING (date)
"""

PICK_SQL = """
CREATE OR REPLACE TEMP TABLE picked_prices AS
WITH best AS (
    SELECT * EXCLUDE (reason) FROM checked_prices WHERE reason IS NULL
    QUALIFY row_number() OVER (PARTITION BY ticker, date ORDER BY vendor_rank, modified DESC NULLS LAST) = 1
), series AS (
    SELECT ticker, date, close, false AS current FROM prices
    WHERE date < $start AND date >= $start - INTERVAL 30 DAY
    QUALIFY row_number() OVER (PARTITION BY ticker ORDER BY date DESC) <= 2
    UNION ALL
    SELECT ticker, date, close, true FROM best
), moves AS (
    SELECT ticker, date, current,
           close / lag(close, 1) OVER w - 1 AS move,
           lag(close, 1) OVER w / lag(close, 2) OVER w - 1 AS previous_move,
           close / lag(close, 2) OVER w - 1 AS move_over_two
    FROM series WINDOW w AS (PARTITION BY ticker ORDER BY date)
)
SELECT best.*, moves.move, CASE
    WHEN abs(move) > $max_move AND NOT (abs(previous_move) > $max_move AND abs(move_over_two) <= $max_move)
    THEN 'extreme_move'
END AS reason
FROM best JOIN moves USING (ticker, date)
WHERE moves.current
"""
MISSING_SQL = """
WITH days AS (SELECT DISTINCT date FROM calendar WHERE date >= $start AND date < $end),
seen AS (SELECT ticker, date FROM prices WHERE date >= $start - INTERVAL 10 DAY AND date < $end),
previous AS (
    SELECT d.date, s.ticker FROM days d
    JOIN calendar c ON c.next_date = d.date
    JOIN seen s ON s.date = c.date
)
SELECT p.date, p.ticker FROM previous p
WHERE NOT EXISTS (SELECT 1 FROM seen s WHERE s.ticker = p.ticker AND s.date = p.date)
ORDER BY 1, 2
"""

DISAGREEMENT_SQL = """
SELECT a.date, a.ticker, a.vendor AS vendor_a, a.close AS close_a, b.vendor AS vendor_b, b.close AS close_b,
       abs(a.close / b.close - 1) AS difference
FROM checked_prices a JOIN checked_prices b
  ON a.ticker = b.ticker AND a.date = b.date AND a.vendor < b.vendor
WHERE a.reason IS NULL AND b.reason IS NULL AND abs(a.close / b.close - 1) > $tolerance
ORDER BY difference DESC
"""
QUARANTINE_PICKED = """
INSERT INTO quarantine SELECT 'prices', date, ticker, reason, vendor, source_file, source_line, timezone('UTC', now())
FROM {table} WHERE reason IS NOT NULL
"""
LATEST_CLOSES_SQL = f"""
SELECT ticker, close FROM prices WHERE {member_of("ticker")} AND date <= ?
QUALIFY row_number() OVER (PARTITION BY ticker ORDER BY date DESC) = 1
"""


class PriceQueries(Session):
    """The price validation rules and the price reads that are more than a filter."""

    def rebuild_prices(self, calendar: pd.DatetimeIndex, start: Day, end: Day, rules: PriceRules) -> PriceValidation:
        """Fill temp tables checked_prices (structural checks) and picked_prices (best vendor, move check), then
        replace the window's prices and quarantine from them in one transaction.

        A move beyond the limit is quarantined, except a row that undoes the previous row's spike (back within
        the limit of the close before it): a one-day spike costs one row, a level shift its first day only.
        """
        ranks = pd.DataFrame({"vendor": list(rules.vendor_ranking), "rank": range(len(rules.vendor_ranking))})
        with self.calendar(calendar), self.registered(vendor_ranks=ranks):
            self.conn.execute(STRUCTURAL_SQL, {"start": start, "end": end})
            self.conn.execute(PICK_SQL, {"start": start, "max_move": rules.max_daily_move})
            with self.transaction():
                self.conn.execute("DELETE FROM prices WHERE date >= ? AND date < ?", [start, end])
                self.conn.execute(
                    f"INSERT INTO prices SELECT {PRICE_TABLE_COLUMNS} FROM picked_prices WHERE reason IS NULL"
                )
                self.conn.execute(
                    "DELETE FROM quarantine WHERE dataset = 'prices' AND date >= ? AND date < ?", [start, end]
                )
                for table in ("checked_prices", "picked_prices"):
                    self.conn.execute(QUARANTINE_PICKED.format(table=table))
            missing = self.conn.execute(MISSING_SQL, {"start": start, "end": end}).df()
            disagreements = self.conn.execute(DISAGREEMENT_SQL, {"tolerance": rules.vendor_tolerance}).df()
        return PriceValidation(missing, disagreements)

    def latest_closes(self, tickers: Sequence[str], on_or_before: Day) -> pd.Series:
        rows = self.conn.execute(LATEST_CLOSES_SQL, [list(tickers), on_or_before]).df()
        return rows.set_index("ticker")["close"]

"""The price validation rules, as SQL over raw_prices: which rows become prices and which are quarantined."""

from __future__ import annotations

import os

import duckdb
import pandas as pd

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


def max_daily_move() -> float:
    """Largest believable close-to-close move (STRATENGINE_MAX_DAILY_MOVE, default 0.5 = 50%)."""
    return float(os.environ.get("STRATENGINE_MAX_DAILY_MOVE", "0.5"))


def vendor_tolerance() -> float:
    """Close difference above which two vendors disagree (STRATENGINE_VENDOR_TOLERANCE, default 0.005)."""
    return float(os.environ.get("STRATENGINE_VENDOR_TOLERANCE", "0.005"))


def apply_rules(conn: duckdb.DuckDBPyConnection, start: pd.Timestamp, end: pd.Timestamp, ranking: list[str]) -> None:
    """Fill temp tables checked_prices (structural checks) and picked_prices (best vendor, move check).

    A move beyond the limit is quarantined, except a row that undoes the previous row's spike (back within
    the limit of the close before it): a one-day spike costs one row, a level shift its first day only.
    """
    conn.register("vendor_ranks", pd.DataFrame({"vendor": ranking, "rank": range(len(ranking))}))
    conn.execute(STRUCTURAL_SQL, {"start": start, "end": end})
    conn.execute(PICK_SQL, {"start": start, "max_move": max_daily_move()})


def missing_names(conn: duckdb.DuckDBPyConnection, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Names priced on the previous session but priced by no vendor on the day."""
    return conn.execute(MISSING_SQL, {"start": start, "end": end}).df()


def disagreements(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Pairs of vendors whose valid closes for a name and day differ by more than the tolerance."""
    return conn.execute(DISAGREEMENT_SQL, {"tolerance": vendor_tolerance()}).df()

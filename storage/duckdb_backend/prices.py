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

# a row's copies in its own file are counted by a grouping joined back (a window over every row sorted 12.5 M of them
# for the few duplicates: 8.1-8.5 s -> 6.2-6.9 s, the same rows)
STRUCTURAL_SQL = """
CREATE OR REPLACE TEMP TABLE checked_prices AS
WITH raw AS (
    SELECT r.* EXCLUDE (ingested_at), coalesce(v.rank, 1000) AS vendor_rank
    FROM raw_prices r
    LEFT JOIN vendor_ranks v USING (vendor)
    WHERE r.date >= $load_start AND r.date < $load_end
)
SELECT raw.*, calendar.day_index, CASE
    WHEN calendar.date IS NULL THEN 'non_trading_day'
    WHEN open IS NULL OR high IS NULL OR low IS NULL OR close IS NULL THEN 'missing_price'
    WHEN NOT (isfinite(open) AND isfinite(high) AND isfinite(low) AND isfinite(close)) THEN 'non_finite_price'
    WHEN least(open, high, low, close) <= 0 THEN 'non_positive_price'
    WHEN greatest(open, high, low, close) > $max_price THEN 'absurd_price'
    WHEN high < low THEN 'high_below_low'
    WHEN close > high OR close < low THEN 'close_outside_range'
    WHEN as_traded_close IS NOT NULL AND NOT (isfinite(as_traded_close) AND as_traded_close > 0)
        THEN 'invalid_as_traded_close'
    WHEN volume IS NULL THEN 'missing_volume'
    WHEN NOT isfinite(volume) THEN 'non_finite_volume'
    WHEN volume < 0 THEN 'negative_volume'
    WHEN volume > $max_volume THEN 'absurd_volume'
    WHEN dup.copies IS NOT NULL THEN 'duplicate_row'
END AS reason
FROM raw LEFT JOIN calendar USING (date)
LEFT JOIN (SELECT ticker, date, source_file, count(*) AS copies FROM raw GROUP BY ALL HAVING count(*) > 1) dup
  USING (ticker, date, source_file)
"""

# Each name-day's bar is the best-ranked vendor's structurally valid row (a vendor's later file by key, then its
# later line, breaks ties). A close more than max_move from the name's previous close is then judged against the
# name's own neighbouring rows (within `neighbours` sessions) and other vendors, never against what an earlier run
# accepted: a spike that reverts is a bad tick; a move the next rows keep, or that another vendor's close
# confirms, is real and kept; the latest row, with no later row yet, waits (extreme_move_unconfirmed) unless it
# only returns to the level before a spike.
PICK_SQL = """
CREATE OR REPLACE TEMP TABLE picked_prices AS
WITH best AS (
    SELECT * EXCLUDE (reason) FROM checked_prices WHERE reason IS NULL
    QUALIFY row_number() OVER (
        PARTITION BY ticker, date ORDER BY vendor_rank, source_file DESC, source_line DESC) = 1
), ordered AS (
    SELECT *,
           lag(close, 2) OVER w AS before_close, lag(day_index) OVER w - lag(day_index, 2) OVER w AS before_gap,
           lag(close) OVER w AS prev_close, day_index - lag(day_index) OVER w AS prev_gap,
           lead(close) OVER w AS next_close, lead(day_index) OVER w - day_index AS next_gap,
           lead(close, 2) OVER w AS after_close, lead(day_index, 2) OVER w - lead(day_index) OVER w AS after_gap
    FROM best WINDOW w AS (PARTITION BY ticker ORDER BY date)
), confirmations AS (
    SELECT best.ticker, best.date, min(other.vendor) AS confirmed_by
    FROM best JOIN checked_prices other
      ON other.ticker = best.ticker AND other.date = best.date AND other.reason IS NULL
     AND other.vendor <> best.vendor AND abs(other.close / best.close - 1) <= $tolerance
    WHERE $several_vendors  -- one vendor's rows confirm nothing: the join is skipped
    GROUP BY best.ticker, best.date
), near AS (
    SELECT * EXCLUDE (before_close, prev_close, next_close, after_close, before_gap, prev_gap, next_gap, after_gap),
           CASE WHEN prev_gap <= $neighbours AND before_gap <= $neighbours THEN before_close END AS before_close,
           CASE WHEN prev_gap <= $neighbours THEN prev_close END AS prev_close,
           CASE WHEN next_gap <= $neighbours THEN next_close END AS next_close,
           CASE WHEN next_gap <= $neighbours AND after_gap <= $neighbours THEN after_close END AS after_close
    FROM ordered
), judged AS (
    SELECT near.*,
           abs(close / prev_close - 1) > $max_move AS jump_in,
           abs(close / next_close - 1) > $max_move AS jump_out,
           abs(next_close / prev_close - 1) <= $max_move AS neighbours_agree,
           abs(after_close / next_close - 1) <= $max_move AS later_rows_agree,
           abs(close / before_close - 1) <= $max_move AND abs(prev_close / before_close - 1) > $max_move
               AS after_a_spike,
           confirmations.confirmed_by
    FROM near LEFT JOIN confirmations USING (ticker, date)
)
SELECT * EXCLUDE (jump_in, jump_out, neighbours_agree, later_rows_agree, after_a_spike),
       close / prev_close - 1 AS move,
       CASE
           WHEN confirmed_by IS NOT NULL THEN NULL
           WHEN jump_in AND jump_out AND neighbours_agree THEN 'extreme_move'
           WHEN prev_close IS NULL AND jump_out AND later_rows_agree THEN 'extreme_move'
           WHEN jump_in AND next_close IS NULL AND NOT coalesce(after_a_spike, false) THEN 'extreme_move_unconfirmed'
       END AS reason,
       (coalesce(jump_in, false) AND NOT coalesce(after_a_spike, false))
           OR (prev_close IS NULL AND coalesce(jump_out, false)) AS extreme
FROM judged
"""
VENDORS_SQL = "SELECT count(DISTINCT vendor) FROM checked_prices WHERE reason IS NULL"
# a name-day is missing when the name has a price on the session before and none on the day: its next price is
# not on the next session (a window over the name's days; an anti-join of every name-day with the day before was
# 4.2 s against 1.1 s at 12.4 M rows)
MISSING_SQL = """
WITH seen AS (
    SELECT ticker, date, lead(date) OVER (PARTITION BY ticker ORDER BY date) AS next_seen
    FROM prices WHERE date >= $start - INTERVAL 10 DAY AND date < $end
)
SELECT c.next_date AS date, s.ticker FROM seen s JOIN calendar c ON c.date = s.date
WHERE c.next_date >= $start AND c.next_date < $end AND s.next_seen IS DISTINCT FROM c.next_date
ORDER BY 1, 2
"""

DISAGREEMENT_SQL = """
SELECT a.date, a.ticker, a.vendor AS vendor_a, a.close AS close_a, b.vendor AS vendor_b, b.close AS close_b,
       abs(a.close / b.close - 1) AS difference
FROM checked_prices a JOIN checked_prices b
  ON a.ticker = b.ticker AND a.date = b.date AND a.vendor < b.vendor
WHERE $several_vendors  -- one vendor's rows disagree with nothing: the self-join is skipped
  AND a.reason IS NULL AND b.reason IS NULL AND abs(a.close / b.close - 1) > $tolerance
  AND a.date >= $start AND a.date < $end
ORDER BY difference DESC
"""
BAR = "date, ticker, open, high, low, close, volume, vendor, as_traded_close"
# a day changed when its bars' count or the XOR of their hashes differs between the stored and the new prices:
# an aggregate per day, where a full join of 12.4 M name-days took 4.9 s (a change escapes with odds of 2^-64)
CHANGED_DAYS_SQL = f"""
WITH old AS (
    SELECT date, count(*) AS bars, bit_xor(hash({BAR})) AS checksum FROM prices
    WHERE date >= $start AND date < $end GROUP BY date
), new AS (
    SELECT date, count(*) AS bars, bit_xor(hash({BAR})) AS checksum FROM picked_prices
    WHERE reason IS NULL AND date >= $start AND date < $end GROUP BY date
)
SELECT coalesce(old.date, new.date) AS date FROM old FULL JOIN new USING (date)
WHERE old.bars IS DISTINCT FROM new.bars OR old.checksum IS DISTINCT FROM new.checksum
ORDER BY date
"""
KEPT_MOVES_SQL = """
SELECT date, ticker, vendor, close, move,
       CASE WHEN confirmed_by IS NOT NULL THEN 'confirmed by ' || confirmed_by ELSE 'the following rows keep it' END
           AS why
FROM picked_prices WHERE extreme AND reason IS NULL AND date >= $start AND date < $end ORDER BY date, ticker
"""
QUARANTINE_PICKED = """
INSERT INTO quarantine SELECT 'prices', date, ticker, reason, vendor, source_file, source_line, timezone('UTC', now())
FROM {table} WHERE reason IS NOT NULL AND date >= $start AND date < $end
"""
REBASE_SQL = [
    """CREATE OR REPLACE TEMP TABLE day_basis AS
       SELECT ticker, factor FROM price_basis WHERE $day BETWEEN first_date AND last_date""",
    """UPDATE prices SET open = open * d.factor, high = high * d.factor, low = low * d.factor,
                         close = close * d.factor
       FROM day_basis d WHERE prices.ticker = d.ticker AND prices.date <= $day""",
    """UPDATE price_basis SET factor = price_basis.factor / d.factor, last_date = least(last_date, $day)
       FROM day_basis d WHERE price_basis.ticker = d.ticker""",
    "DELETE FROM price_basis WHERE first_date > $day",
]
LATEST_CLOSES_SQL = f"""
SELECT ticker, close FROM prices WHERE {member_of("ticker")} AND date <= ?
QUALIFY row_number() OVER (PARTITION BY ticker ORDER BY date DESC) = 1
"""

FINGERPRINTS_SQL = """
SELECT t.ticker, count(p.date) AS rows,
       coalesce(bit_xor(hash(p.date, p.close)) FILTER (WHERE p.date IS NOT NULL), 0)::UBIGINT AS checksum,
       min(p.date) AS first_date, max(p.date) AS last_date
FROM fingerprint_through t LEFT JOIN prices p ON p.ticker = t.ticker AND p.date <= t.through
GROUP BY t.ticker ORDER BY t.ticker
"""


class PriceQueries(Session):
    """The price validation rules and the price reads that are more than a filter."""

    def rebuild_prices(self, calendar: pd.DatetimeIndex, start: Day, end: Day, rules: PriceRules) -> PriceValidation:
        """Judge the raw rows around [start, end) (checked_prices: structural checks; picked_prices: the best vendor
        and the move rule), note the days whose bars change, then replace the window's prices and its quarantine
        in one transaction (the caller's, when it has one open)."""
        ranks = pd.DataFrame({"vendor": list(rules.vendor_ranking), "rank": range(len(rules.vendor_ranking))})
        window = {"start": start, "end": end}
        load = {"load_start": calendar[0], "load_end": calendar[-1] + pd.Timedelta(days=1)}
        limits = {"max_price": rules.max_price, "max_volume": rules.max_volume}
        moves = {"max_move": rules.max_daily_move, "tolerance": rules.vendor_tolerance, "neighbours": rules.neighbours}
        with self.calendar(calendar), self.registered(vendor_ranks=ranks):
            self.conn.execute(STRUCTURAL_SQL, {**load, **limits})
            vendors = self.conn.execute(VENDORS_SQL).fetchall()[0][0]
            self.conn.execute(PICK_SQL, {**moves, "several_vendors": vendors > 1})
            changed = [day for (day,) in self.conn.execute(CHANGED_DAYS_SQL, window).fetchall()]
            with self.transaction():
                self.conn.execute("DELETE FROM prices WHERE date >= $start AND date < $end", window)
                self.conn.execute(
                    f"INSERT INTO prices SELECT {PRICE_TABLE_COLUMNS} FROM picked_prices "
                    "WHERE reason IS NULL AND date >= $start AND date < $end",
                    window,
                )
                self.conn.execute(
                    "DELETE FROM quarantine WHERE dataset = 'prices' AND date >= $start AND date < $end", window
                )
                for table in ("checked_prices", "picked_prices"):
                    self.conn.execute(QUARANTINE_PICKED.format(table=table), window)
            missing = self.conn.execute(MISSING_SQL, window).df()
            compared = {**window, "tolerance": rules.vendor_tolerance, "several_vendors": vendors > 1}
            disagreements = self.conn.execute(DISAGREEMENT_SQL, compared).df()
            kept = self.conn.execute(KEPT_MOVES_SQL, window).df()
        return PriceValidation(missing, disagreements, kept, changed)

    def rebase_as_of(self, day: Day) -> None:
        with self.transaction():
            for statement in REBASE_SQL:
                self.conn.execute(statement, {"day": day})

    def latest_closes(self, tickers: Sequence[str], on_or_before: Day) -> pd.Series:
        rows = self.conn.execute(LATEST_CLOSES_SQL, [list(tickers), on_or_before]).df()
        return rows.set_index("ticker")["close"]

    def price_fingerprints(self, through: pd.DataFrame) -> pd.DataFrame:
        frame = through[["ticker", "through"]].astype({"ticker": str, "through": "datetime64[ns]"})
        with self.registered(fingerprint_through=frame):
            return self.conn.execute(FINGERPRINTS_SQL).df()

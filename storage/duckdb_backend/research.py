"""Research queries: the universe rule and composite signals, as SQL."""

from __future__ import annotations

import pandas as pd

from quant.strategies import Strategy, UniverseRules
from storage.duckdb_backend.session import Session
from storage.duckdb_backend.sql import checked_column
from storage.warehouse import Day

UNIVERSE_SQL = """
WITH history AS (
    SELECT p.date, p.ticker, p.close,
           avg(p.dollar_volume) OVER (
               PARTITION BY p.ticker ORDER BY c.day_index RANGE BETWEEN {adv_span} PRECEDING AND CURRENT ROW
           ) AS adv21,
           count(*) OVER (
               PARTITION BY p.ticker ORDER BY c.day_index RANGE BETWEEN {history_span} PRECEDING AND CURRENT ROW
           ) AS history_days
    FROM prices p JOIN calendar c USING (date)
    WHERE p.date >= (SELECT min(date) FROM calendar)
)
SELECT h.date, h.ticker, h.close, h.adv21, h.history_days::INTEGER AS history_days
FROM history h
LEFT JOIN price_basis b ON b.ticker = h.ticker AND h.date BETWEEN b.first_date AND b.last_date
WHERE h.date BETWEEN ? AND ?
  AND h.close * coalesce(b.factor, 1) >= ? AND h.adv21 >= ? AND h.history_days >= ?
  AND h.ticker IN (SELECT ticker FROM securities) AND h.ticker <> ?
"""  # the minimum price is a traded price: the adjusted close times F where the name has a basis

# sessions per INSERT of composite signals: each day's signal reads only that day's scores, so chunks give the same
# rows as one statement, and the list aggregate's memory stays at a year's (20 years of 5,000 names in one statement
# ran out of an 8 GB DuckDB limit)
COMPOSITE_CHUNK_SESSIONS = 252
# the weighted terms summed in factor order: a parallel sum adds them in whatever order threads finish
COMPOSITE_SQL = """
SELECT f.ticker AS symbol, f.date AS signal_timestamp, c.next_date AS timestamp,
       list_sum(list(w.weight * f.{score} ORDER BY f.factor)) / $total_weight AS signal,
       $strategy AS strategy_id
FROM factors f
JOIN factor_weights w USING (factor)
JOIN calendar c USING (date)
WHERE f.date BETWEEN $first AND $last
GROUP BY ALL
"""


class ResearchQueries(Session):
    """The research layer's column work."""

    def build_universe(
        self, calendar: pd.DatetimeIndex, first: Day, last: Day, rules: UniverseRules, adv_window: int
    ) -> None:
        sql = UNIVERSE_SQL.format(adv_span=adv_window - 1, history_span=int(rules.history_window) - 1)
        params = [first, last, rules.min_price, rules.min_adv_usd, rules.min_history_days, rules.benchmark]
        with self.calendar(calendar), self.transaction():
            self.conn.execute("DELETE FROM universe WHERE date BETWEEN ? AND ?", [first, last])
            self.conn.execute(f"INSERT INTO universe {sql}", params)

    def insert_composite_signals(self, calendar: pd.DatetimeIndex, strategy: Strategy, first: Day, last: Day) -> None:
        weights = {factor: float(weight) for factor, weight in strategy.factor_weights.items()}
        frame = pd.DataFrame({"factor": list(weights), "weight": list(weights.values())})
        sql = COMPOSITE_SQL.format(score=checked_column("factors", strategy.score_column))
        params = {
            "strategy": strategy.strategy_id,
            "total_weight": sum(map(abs, weights.values())),
        }
        days = calendar[(calendar >= pd.Timestamp(first)) & (calendar <= pd.Timestamp(last))]
        with self.calendar(calendar), self.registered(factor_weights=frame):
            for start in range(0, len(days), COMPOSITE_CHUNK_SESSIONS):
                chunk = days[start : start + COMPOSITE_CHUNK_SESSIONS]
                span = {"first": chunk[0].date(), "last": chunk[-1].date()}
                self.conn.execute(f"INSERT INTO signals {sql}", {**params, **span})

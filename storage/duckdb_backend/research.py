"""Research queries: the universe rule and composite signals, as SQL."""

from __future__ import annotations

import pandas as pd

from quant.strategies import Strategy, UniverseRules
from storage.duckdb_backend.session import Session
from storage.duckdb_backend.sql import checked_column
from storage.schema import factor_column
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

# a name-day's composite: its weighted scores summed left to right in factor-name order (a fixed order, so the same
# bits on every run), a factor it lacks counting as zero; only names with a z-score in one of the factors
COMPOSITE_SQL = """
SELECT f.ticker AS symbol, f.date AS signal_timestamp, c.next_date AS timestamp,
       ({weighted_sum}) / $total_weight AS signal, $strategy AS strategy_id
FROM factors f
JOIN calendar c USING (date)
WHERE f.date BETWEEN $first AND $last AND ({any_scored})
"""


def composite_sql(weights: dict[str, float], score: str) -> tuple[str, dict[str, float]]:
    """COMPOSITE_SQL for these factor weights on one score column, and the weights as named parameters."""
    names = sorted(weights)
    terms = [
        f"$w{k} * coalesce(f.{checked_column('factors', factor_column(n, score))}, 0)" for k, n in enumerate(names)
    ]
    scored = [f"f.{checked_column('factors', factor_column(n, 'zscore'))} IS NOT NULL" for n in names]
    sql = COMPOSITE_SQL.format(weighted_sum=" + ".join(terms), any_scored=" OR ".join(scored))
    return sql, {f"w{k}": float(weights[n]) for k, n in enumerate(names)}


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
        sql, weight_params = composite_sql(weights, strategy.score_column)
        params = {
            **weight_params,
            "strategy": strategy.strategy_id,
            "total_weight": sum(map(abs, weights.values())),
            "first": pd.Timestamp(first).date(),
            "last": pd.Timestamp(last).date(),
        }
        with self.calendar(calendar):
            self.conn.execute(f"INSERT INTO signals {sql}", params)

"""Research queries: the universe rule, composite signals and the factor evaluation summary, as SQL."""

from __future__ import annotations

import pandas as pd

from quant.strategies import Strategy, UniverseRules
from storage.duckdb.session import Session
from storage.duckdb.sql import checked_column
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
SELECT date, ticker, close, adv21, history_days::INTEGER AS history_days
FROM history
WHERE date BETWEEN ? AND ?
  AND close >= ? AND adv21 >= ? AND history_days >= ?
  AND ticker IN (SELECT ticker FROM securities) AND ticker <> ?
"""

COMPOSITE_SQL = """
SELECT f.ticker AS symbol, f.date AS signal_timestamp, c.next_date AS timestamp,
       sum(w.weight * f.{score}) / (SELECT sum(abs(weight)) FROM factor_weights) AS signal,
       ? AS strategy_id
FROM factors f
JOIN factor_weights w USING (factor)
JOIN calendar c USING (date)
WHERE f.date BETWEEN ? AND ?
GROUP BY ALL
"""

EVALUATION_SUMMARY_SQL = """
SELECT factor, horizon, count(coalesce(pearson_ic, spearman_ic)) AS days,
       min(date) FILTER (WHERE coalesce(pearson_ic, spearman_ic) IS NOT NULL) AS start_date,
       max(date) FILTER (WHERE coalesce(pearson_ic, spearman_ic) IS NOT NULL) AS end_date,
       avg(pearson_ic) AS mean_pearson_ic, avg(spearman_ic) AS mean_spearman_ic,
       stddev_samp(spearman_ic) AS spearman_ic_std,
       avg(spearman_ic) / nullif(stddev_samp(spearman_ic), 0) AS ic_ir,
       avg(q1_return) AS q1_return, avg(q2_return) AS q2_return, avg(q3_return) AS q3_return,
       avg(q4_return) AS q4_return, avg(q5_return) AS q5_return, avg(top_minus_bottom) AS top_minus_bottom,
       avg(rank_autocorrelation) AS rank_autocorrelation, avg(top_turnover) AS top_turnover,
       avg(bottom_turnover) AS bottom_turnover, now()::TIMESTAMP AS computed_at
FROM factor_evaluation_daily GROUP BY factor, horizon ORDER BY factor, horizon
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
        weights = strategy.factor_weights
        frame = pd.DataFrame({"factor": list(weights), "weight": [float(w) for w in weights.values()]})
        sql = COMPOSITE_SQL.format(score=checked_column("factors", strategy.score_column))
        with self.calendar(calendar), self.registered(factor_weights=frame):
            self.conn.execute(f"INSERT INTO signals {sql}", [strategy.strategy_id, first, last])

    def rebuild_evaluation_summary(self) -> pd.DataFrame:
        with self.transaction():
            summary = self.conn.execute(EVALUATION_SUMMARY_SQL).df()
            self.conn.execute("DELETE FROM factor_evaluation")
            self.append("factor_evaluation", summary)
        return summary

"""Strategy signals: the weighted composite of factor z-scores, in the signal-table shape."""

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from resources import WarehouseResource
from resources.warehouse import transaction
from stratengine_assets.calendar_sql import partition_dates, register_calendar
from stratengine_assets.research.factors import factors
from stratengine_assets.strategies import strategy_book
from stratengine_assets.trading_day_asset import trading_day_asset

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


def _weights(strategy) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "factor": list(strategy.factor_weights),
            "weight": [float(w) for w in strategy.factor_weights.values()],
        }
    )


@trading_day_asset(
    group_name="research",
    kinds={"duckdb"},
    deps=[factors],
)
def signals(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """signal = sum(weight x z-score) / sum|weight| per name; a factor a name lacks counts as zero.

    A strategy with sector_neutral = true uses the sector-neutral z-scores.

    signal_timestamp is the close whose data made the signal; timestamp is the first session it may trade.
    """
    first, last = partition_dates(context)
    per_strategy = {}
    with warehouse.get_connection() as conn:
        register_calendar(conn, first, last)
        with transaction(conn):
            conn.execute("DELETE FROM signals WHERE signal_timestamp BETWEEN ? AND ?", [first, last])
            for strategy in strategy_book().strategies.values():
                conn.register("factor_weights", _weights(strategy))
                score = "sector_zscore" if strategy.sector_neutral else "zscore"
                conn.execute(
                    f"INSERT INTO signals {COMPOSITE_SQL.format(score=score)}", [strategy.strategy_id, first, last]
                )
                conn.unregister("factor_weights")
        per_strategy = dict(
            conn.execute(
                "SELECT strategy_id, count(*) FROM signals WHERE signal_timestamp BETWEEN ? AND ? GROUP BY 1",
                [first, last],
            ).fetchall()
        )
    return MaterializeResult(
        metadata={"rows": sum(per_strategy.values()), "rows_by_strategy": MetadataValue.json(per_strategy)}
    )

"""The investable universe of each trading day, from data known that day."""

from dagster import AssetExecutionContext, MaterializeResult

from resources import WarehouseResource
from resources.warehouse import transaction
from stratengine_assets.calendar_sql import partition_dates, register_calendar
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.reference import securities
from stratengine_assets.strategies import strategy_book
from stratengine_assets.trading_day_asset import trading_day_asset

ADV_WINDOW = 21

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


@trading_day_asset(
    group_name="research",
    kinds={"duckdb"},
    deps=[prices, securities],
)
def universe(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Names in the security master passing price, 21-day dollar volume and history filters that day."""
    rules = strategy_book().universe
    first, last = partition_dates(context)
    sql = UNIVERSE_SQL.format(adv_span=ADV_WINDOW - 1, history_span=int(rules.history_window) - 1)
    with warehouse.get_connection() as conn:
        register_calendar(conn, first, last, lookback=int(rules.history_window))
        params = [first, last, rules.min_price, rules.min_adv_usd, rules.min_history_days, rules.benchmark]
        with transaction(conn):
            conn.execute("DELETE FROM universe WHERE date BETWEEN ? AND ?", [first, last])
            conn.execute(f"INSERT INTO universe {sql}", params)
        counts = conn.execute(
            "SELECT coalesce(sum(n), 0), count(*), coalesce(min(n), 0), coalesce(max(n), 0) FROM "
            "(SELECT date, count(*) AS n FROM universe WHERE date BETWEEN ? AND ? GROUP BY date)",
            [first, last],
        ).fetchone()
    return MaterializeResult(
        metadata={"rows": int(counts[0]), "dates": counts[1], "min_names": counts[2], "max_names": counts[3]}
    )

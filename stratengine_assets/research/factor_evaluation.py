"""factor_evaluation: Alphalens' statistics for every factor and strategy signal, one trading day at a time."""

import pandas as pd
from dagster import (
    AssetDep,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    TimeWindowPartitionMapping,
)

from partitions.trading_calendar import shift_trading_days, trading_days
from resources import WarehouseResource
from resources.warehouse import append_rows, replace_slice, transaction
from stratengine_assets.calendar_sql import partition_dates
from stratengine_assets.price_history import close_matrix
from stratengine_assets.research.evaluation_math import HORIZONS, QUANTILES, daily_metrics
from stratengine_assets.research.factor_math import to_matrix
from stratengine_assets.research.factors import factors
from stratengine_assets.research.signals import signals
from stratengine_assets.trading_day_asset import trading_day_asset

EVALUATION_LAG = max(HORIZONS)  # a day is evaluated once its longest forward return is known
SIGNAL_PREFIX = "signal/"

NAMES_SQL = """
SELECT DISTINCT factor AS name, ticker FROM factors WHERE date BETWEEN $first AND $last
UNION
SELECT DISTINCT $prefix || strategy_id, symbol FROM signals WHERE signal_timestamp BETWEEN $first AND $last
"""
SCORES_SQL = """
SELECT date, ticker, zscore AS value FROM factors WHERE date BETWEEN $first AND $last AND factor = $name
UNION ALL
SELECT signal_timestamp, symbol, signal FROM signals
WHERE signal_timestamp BETWEEN $first AND $last AND $prefix || strategy_id = $name
"""

SUMMARY_SQL = """
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


def evaluated_days(first: pd.Timestamp, last: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The factor dates a partition range evaluates: those whose longest forward return ends inside it."""
    return shift_trading_days(first, -EVALUATION_LAG), shift_trading_days(last, -EVALUATION_LAG)


def evaluation_rows(conn, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Per factor and signal, the daily metrics of factor dates [first, last] (the day before feeds the lags),
    read one factor or signal at a time so memory stays at a few day x ticker matrices."""
    window = {"first": shift_trading_days(first, -1).date(), "last": last.date(), "prefix": SIGNAL_PREFIX}
    names = conn.execute(NAMES_SQL, window).df()
    if names.empty:
        return pd.DataFrame()
    days = trading_days(window["first"], shift_trading_days(last, EVALUATION_LAG))
    tickers = pd.Index(sorted(names["ticker"].unique()))
    close = close_matrix(conn, tickers, days)
    frames = []
    for name in sorted(names["name"].unique()):
        scores = conn.execute(SCORES_SQL, {**window, "name": name}).fetchnumpy()
        metrics = daily_metrics(to_matrix(scores, "value", days, tickers), close, days, HORIZONS, QUANTILES)
        frames.append(metrics[metrics["date"].between(first, last)].assign(factor=name))
    return pd.concat(frames, ignore_index=True)


def _summary_metadata(summary: pd.DataFrame) -> dict:
    """Mean rank IC and IC IR at every horizon as numbers, and the longest horizon's table as markdown."""
    metadata = {}
    for row in summary.to_dict("records"):
        for key in ("mean_spearman_ic", "ic_ir", "top_minus_bottom"):
            if pd.notna(row[key]):
                metadata[f"{row['factor']}/{key}_{row['horizon']}d"] = MetadataValue.float(float(row[key]))
    longest = summary[summary["horizon"] == EVALUATION_LAG]
    columns = ["factor", "days", "mean_pearson_ic", "mean_spearman_ic", "ic_ir", "top_minus_bottom", "top_turnover"]
    metadata[f"summary_{EVALUATION_LAG}d"] = MetadataValue.md(longest[columns].to_markdown(index=False, floatfmt=".4f"))
    return metadata


@trading_day_asset(
    group_name="research",
    kinds={"duckdb", "numpy"},
    deps=[
        AssetDep(factors, partition_mapping=TimeWindowPartitionMapping(-EVALUATION_LAG - 1, -EVALUATION_LAG, True)),
        AssetDep(signals, partition_mapping=TimeWindowPartitionMapping(-EVALUATION_LAG - 1, -EVALUATION_LAG, True)),
        AssetDep("prices", partition_mapping=TimeWindowPartitionMapping(-EVALUATION_LAG - 1, 0, True)),
    ],
)
def factor_evaluation(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Daily Pearson and Spearman IC against 1, 5 and 21-day forward returns, mean forward return by quintile,
    top minus bottom, rank autocorrelation and quintile turnover, for each factor's z-score and each strategy's
    signal ("signal/<strategy_id>"), as Alphalens defines them.

    Partition day t evaluates the factor date 21 sessions earlier, the first day all its forward returns are
    known, so a new trading day costs one day's evaluation. `factor_evaluation` then summarizes all stored days:
    mean IC, IC IR (mean / std of the daily rank IC) and the means of the other daily figures.
    """
    first, last = evaluated_days(*partition_dates(context))
    with warehouse.get_connection() as conn:
        rows = evaluation_rows(conn, first, last)
        with transaction(conn):
            written = replace_slice(conn, "factor_evaluation_daily", rows, "date BETWEEN ? AND ?", [first, last])
            summary = conn.execute(SUMMARY_SQL).df()
            conn.execute("DELETE FROM factor_evaluation")
            append_rows(conn, "factor_evaluation", summary)
    context.log.info(f"evaluated factor dates {first.date()} .. {last.date()}: {written} rows")
    return MaterializeResult(
        metadata={"rows": written, "evaluated_from": str(first.date()), **_summary_metadata(summary)}
    )

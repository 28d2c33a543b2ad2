"""factor_evaluation: Alphalens' statistics for every factor and strategy signal, one trading day at a time."""

from collections.abc import Iterator

import numpy as np
import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetObservation,
    MaterializeResult,
    MetadataValue,
)

from quant.calendar import shift_trading_days, trading_days
from quant.evaluation import HORIZONS, QUANTILES, forward_return_panels, sample_metrics, summarize
from quant.factors import FACTORS
from resources import WarehouseResource
from storage.schema import factor_column
from storage.warehouse import Warehouse, between, eq, not_null
from stratengine_assets.common.clock import utc_now
from stratengine_assets.common.partition_range import partition_dates, partition_days
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.threads import ordered_map
from stratengine_assets.common.windows import EVALUATION_LAG, reads
from stratengine_assets.research.factors import factors
from stratengine_assets.research.signals import signals

# a run over more partitions puts the summary on one observation of its last partition, not on every partition's
# materialization: Dagster writes a range's metadata once per partition (19 series: 6 s of 23 over 2,000 days)
SUMMARY_ON_EVERY_PARTITION = 5
SIGNAL_PREFIX = "signal/"
PANELS_PER_READ = 5  # factors read in one join: 0.2 s a column more against about 1 s a read at 5,000 x 2,520


def evaluated_days(first: pd.Timestamp, last: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The factor dates a partition range evaluates: those whose longest forward return ends inside it."""
    return shift_trading_days(first, -EVALUATION_LAG), shift_trading_days(last, -EVALUATION_LAG)


def series_names(store: Warehouse, first, last) -> tuple[list[str], list[str], pd.Index]:
    """Every factor with a z-score and every strategy with a signal in [first, last], and every ticker scored."""
    span = between("date", first, last)
    scored = [f.name for f in FACTORS if store.count("factors", span, not_null(factor_column(f.name, "zscore")))]
    in_signals = store.distinct("signals", ["strategy_id", "symbol"], between("signal_timestamp", first, last))
    tickers = set(store.distinct("factors", ["ticker"], span)["ticker"]) | set(in_signals["symbol"])
    return scored, sorted(in_signals["strategy_id"].unique()), pd.Index(sorted(tickers))


def series_panels(
    store: Warehouse, names: tuple[list[str], list[str]], days: pd.DatetimeIndex, tickers: pd.Index, first, last
) -> Iterator[tuple[str, np.ndarray]]:
    """Each factor's z-scores, then each strategy's signals ("signal/<strategy_id>"), of dates [first, last] over
    days x tickers; factors read PANELS_PER_READ at a time (one join places the cells of all of them)."""
    factors, strategies = names
    for start in range(0, len(factors), PANELS_PER_READ):
        group = factors[start : start + PANELS_PER_READ]
        columns = [factor_column(name, "zscore") for name in group]
        panels = store.read_panels("factors", columns, days, tickers, between("date", first, last))
        yield from ((name, panels[:, :, k]) for k, name in enumerate(group))
    for strategy in strategies:
        where = [eq("strategy_id", strategy), between("signal_timestamp", first, last)]
        yield SIGNAL_PREFIX + strategy, store.read_panel("signals", "signal", days, tickers, *where)


def evaluation_rows(store: Warehouse, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Per factor and signal, the daily metrics of factor dates [first, last] (the day before feeds the lags),
    read a few at a time so memory stays at a few day x ticker matrices and evaluated on every core; the forward
    returns are computed once for all of them."""
    start = shift_trading_days(first, -1).date()
    factors, strategies, tickers = series_names(store, start, last.date())
    if not factors and not strategies:
        return pd.DataFrame()
    days = trading_days(start, shift_trading_days(last, EVALUATION_LAG))
    forwards = forward_return_panels(store.read_panel("prices", "close", days, tickers), HORIZONS)

    def evaluated(series: tuple[str, np.ndarray]) -> pd.DataFrame:
        name, factor = series
        metrics = sample_metrics(factor, forwards, days, QUANTILES)
        return metrics[metrics["date"].between(first, last)].assign(factor=name)

    panels = series_panels(store, (factors, strategies), days, tickers, start, last.date())
    return pd.concat(ordered_map(evaluated, panels), ignore_index=True)


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
    in_pieces=True,
    deps=[
        reads("factor_evaluation", factors),
        reads("factor_evaluation", signals),
        reads("factor_evaluation", "prices"),
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
    with warehouse.session() as store:
        rows = evaluation_rows(store, first, last)
        with store.transaction():
            written = store.replace("factor_evaluation_daily", rows, between("date", first, last))
            daily = store.read("factor_evaluation_daily", order_by=["factor", "horizon", "date"])
            summary = summarize(daily, by=("factor", "horizon")).assign(computed_at=utc_now())
            store.replace("factor_evaluation", summary)
            settle(store, "factor_evaluation", partition_days(context))
    context.log.info(f"evaluated factor dates {first.date()} .. {last.date()}: {written} rows")
    metadata = {"rows": written, "evaluated_from": str(first.date())}
    if len(context.partition_keys) <= SUMMARY_ON_EVERY_PARTITION:
        return MaterializeResult(metadata=metadata | _summary_metadata(summary))
    newest = context.partition_keys[-1]
    context.log_event(AssetObservation(context.asset_key, partition=newest, metadata=_summary_metadata(summary)))
    return MaterializeResult(metadata=metadata | {"summary": f"on the observation of partition {newest}"})

"""factor_evaluation: Alphalens' statistics for every factor and strategy signal, one trading day at a time."""

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
from resources import WarehouseResource
from storage.warehouse import Warehouse, between, eq
from stratengine_assets.common.clock import utc_now
from stratengine_assets.common.partition_range import partition_dates, partition_days
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.windows import EVALUATION_LAG, reads
from stratengine_assets.research.factors import factors
from stratengine_assets.research.signals import signals

# a run over more partitions puts the summary on one observation of its last partition, not on every partition's
# materialization: Dagster writes a range's metadata once per partition (19 series: 6 s of 23 over 2,000 days)
SUMMARY_ON_EVERY_PARTITION = 5
SIGNAL_PREFIX = "signal/"


def evaluated_days(first: pd.Timestamp, last: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The factor dates a partition range evaluates: those whose longest forward return ends inside it."""
    return shift_trading_days(first, -EVALUATION_LAG), shift_trading_days(last, -EVALUATION_LAG)


def series_names(store: Warehouse, first, last) -> pd.DataFrame:
    """(name, ticker) of every factor and signal ("signal/<strategy_id>") with a score in [first, last]."""
    in_factors = store.distinct("factors", ["factor", "ticker"], between("date", first, last))
    in_signals = store.distinct("signals", ["strategy_id", "symbol"], between("signal_timestamp", first, last))
    return pd.concat(
        [
            in_factors.set_axis(["name", "ticker"], axis=1),
            pd.DataFrame({"name": SIGNAL_PREFIX + in_signals["strategy_id"], "ticker": in_signals["symbol"]}),
        ],
        ignore_index=True,
    )


def scores(store: Warehouse, name: str, days: pd.DatetimeIndex, tickers: pd.Index, first, last) -> np.ndarray:
    """A factor's z-scores or a strategy's signals of dates [first, last] over days x tickers."""
    if name.startswith(SIGNAL_PREFIX):
        strategy = eq("strategy_id", name.removeprefix(SIGNAL_PREFIX))
        return store.read_panel("signals", "signal", days, tickers, strategy, between("signal_timestamp", first, last))
    return store.read_panel("factors", "zscore", days, tickers, eq("factor", name), between("date", first, last))


def evaluation_rows(store: Warehouse, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Per factor and signal, the daily metrics of factor dates [first, last] (the day before feeds the lags),
    read one factor or signal at a time so memory stays at a few day x ticker matrices; the forward returns are
    computed once for all of them."""
    start = shift_trading_days(first, -1).date()
    names = series_names(store, start, last.date())
    if names.empty:
        return pd.DataFrame()
    days = trading_days(start, shift_trading_days(last, EVALUATION_LAG))
    tickers = pd.Index(sorted(names["ticker"].unique()))
    forwards = forward_return_panels(store.read_panel("prices", "close", days, tickers), HORIZONS)
    frames = []
    for name in sorted(names["name"].unique()):
        factor = scores(store, name, days, tickers, start, last.date())
        metrics = sample_metrics(factor, forwards, days, QUANTILES)
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

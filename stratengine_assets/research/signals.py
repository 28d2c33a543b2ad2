"""signals: per strategy and day, the weighted composite of factor z-scores, or a walk-forward model's forecast."""

import json

import numpy as np
import pandas as pd
from dagster import (
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
)

from quant.calendar import sessions_around, shift_trading_days, trading_days
from quant.model_signals import fit_days, history_for, panel_groups, predicted_signals
from quant.strategies import Strategy
from resources import PipelineSettings, WarehouseResource
from resources.settings import pipeline_settings
from storage.schema import factor_column
from storage.warehouse import Warehouse, between, eq
from stratengine_assets.common.partition_range import partition_dates, partition_days
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.windows import reads
from stratengine_assets.research.factors import factors


def feature_panel(
    store: Warehouse, score: str, days: pd.DatetimeIndex, names: list[str]
) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Tickers, (days x tickers x features) z-scores and (days x tickers) closes over `days`."""
    span = between("date", days[0].date(), days[-1].date())
    tickers = pd.Index(store.distinct("factors", ["ticker"], span)["ticker"])
    columns = [factor_column(name, score) for name in names]
    return (
        tickers,
        store.read_panels("factors", columns, days, tickers),
        store.read_panel("prices", "close", days, tickers),
    )


def model_signal_rows(
    store: Warehouse, strategies: list[Strategy], first: pd.Timestamp, last: pd.Timestamp
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per model strategy: signal rows for [first, last] and the fits that made them. Strategies reading the same
    scores share one panel, loaded over the longest history any of them needs (a longer load gives the same
    predictions)."""
    out = {}
    for (score, names), members in panel_groups(strategies).items():
        days = trading_days(shift_trading_days(first, -history_for(members)), last)
        tickers, panel, close = feature_panel(store, score, days, list(names))
        for strategy in members:
            out[strategy.strategy_id] = predicted_signals(strategy, tickers, panel, close, days, first, last)
    return out


def model_fit_days(days: pd.DatetimeIndex) -> np.ndarray:
    """The days a model strategy refits on, where a run of signals is best cut."""
    book = pipeline_settings(resolved=True).strategy_book()
    return fit_days(book.models(), days)


@trading_day_asset(
    group_name="research",
    kinds={"duckdb"},
    in_pieces=True,
    cut_on=model_fit_days,
    deps=[
        reads("signals", factors),
        reads("signals", "prices"),
    ],
)
def signals(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Composite: signal = sum(weight x z-score) / sum|weight| per name; a factor a name lacks counts as zero.
    Model (signal_model set): the cross-sectional z-score of a walk-forward Ridge or HistGradientBoosting forecast
    of the forward return's rank, refitted on a calendar cadence with purged, embargoed training labels; each fit
    (date, sample days, features, parameters) is stored in signal_model_fits and shown here.

    A strategy with sector_neutral = true uses the sector-neutral z-scores.

    signal_timestamp is the close whose data made the signal; timestamp is the first session it may trade.
    """
    first, last = partition_dates(context)
    book = settings.strategy_book()
    calendar, fits = sessions_around(first, last), {}
    with warehouse.session() as store:
        models = model_signal_rows(store, book.models(), first, last)
        with store.transaction():
            store.delete("signals", between("signal_timestamp", first, last))
            for strategy in book.composites():
                store.insert_composite_signals(calendar, strategy, first, last)
            for sid, (rows, fitted) in models.items():
                if len(rows):
                    store.append("signals", rows)
                if len(fitted):
                    span = between("fit_date", fitted["fit_date"].min(), fitted["fit_date"].max())
                    store.replace("signal_model_fits", fitted, eq("strategy_id", sid), span)
                fits[sid] = fitted
            per_strategy = store.count_by("signals", "strategy_id", between("signal_timestamp", first, last))
            scored = store.count("factors", between("date", first, last))
            if scored and not per_strategy:
                raise Failure(f"signals: {scored:,} factor rows in {first.date()}..{last.date()} but no signal")
            settle(store, "signals", partition_days(context))
    return MaterializeResult(
        metadata={
            "rows": sum(per_strategy.values()),
            "rows_by_strategy": MetadataValue.json(per_strategy),
            **_fit_metadata(fits),
        }
    )


def _fit_metadata(fits: dict) -> dict:
    """Per model strategy: fits in this run, the latest fit's day, samples, features and parameters."""
    metadata = {}
    for sid, fitted in fits.items():
        metadata[f"{sid}/fits"] = len(fitted)
        if len(fitted):
            latest = fitted.iloc[-1]
            metadata[f"{sid}/latest_fit"] = MetadataValue.json(
                {
                    "fit_date": str(latest["fit_date"].date()),
                    "train_start": str(latest["train_start"].date()),
                    "train_end": str(latest["train_end"].date()),
                    "label_end": str(latest["label_end"].date()),
                    "samples": int(latest["samples"]),
                    "model": latest["model"],
                    "features": json.loads(latest["features"]),
                    "params": json.loads(latest["params"]),
                }
            )
    return metadata

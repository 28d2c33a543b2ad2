"""Strategy signals in the signal-table shape: the weighted composite of factor z-scores, or a walk-forward model."""

import json

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from resources import WarehouseResource
from resources.warehouse import append_rows, replace_slice, transaction
from stratengine_assets.calendar_sql import partition_dates, register_calendar
from stratengine_assets.research.factors import factors
from stratengine_assets.research.ml_signals import model_signals
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
    """Composite: signal = sum(weight x z-score) / sum|weight| per name; a factor a name lacks counts as zero.
    Model (signal_model set): the cross-sectional z-score of a walk-forward Ridge or HistGradientBoosting forecast
    of the forward return's rank, refitted on a calendar cadence with purged, embargoed training labels; each fit
    (date, sample days, features, parameters) is stored in signal_model_fits and shown here.

    A strategy with sector_neutral = true uses the sector-neutral z-scores.

    signal_timestamp is the close whose data made the signal; timestamp is the first session it may trade.
    """
    first, last = partition_dates(context)
    fits = {}
    with warehouse.get_connection() as conn:
        register_calendar(conn, first, last)
        models = model_signals(conn, _strategies(model=True), first, last)
        with transaction(conn):
            conn.execute("DELETE FROM signals WHERE signal_timestamp BETWEEN ? AND ?", [first, last])
            for strategy in _strategies(model=False):
                _insert_composite(conn, strategy, first, last)
            for sid, (rows, fitted) in models.items():
                if len(rows):
                    append_rows(conn, "signals", rows)
                if len(fitted):
                    span = [sid, fitted["fit_date"].min(), fitted["fit_date"].max()]
                    replace_slice(
                        conn, "signal_model_fits", fitted, "strategy_id = ? AND fit_date BETWEEN ? AND ?", span
                    )
                fits[sid] = fitted
        per_strategy = dict(
            conn.execute(
                "SELECT strategy_id, count(*) FROM signals WHERE signal_timestamp BETWEEN ? AND ? GROUP BY 1",
                [first, last],
            ).fetchall()
        )
    return MaterializeResult(
        metadata={
            "rows": sum(per_strategy.values()),
            "rows_by_strategy": MetadataValue.json(per_strategy),
            **_fit_metadata(fits),
        }
    )


def _strategies(model: bool) -> list:
    return [s for s in strategy_book().strategies.values() if (s.signal_model is not None) == model]


def _insert_composite(conn, strategy, first, last) -> None:
    conn.register("factor_weights", _weights(strategy))
    sql = COMPOSITE_SQL.format(score=strategy.score_column)
    conn.execute(f"INSERT INTO signals {sql}", [strategy.strategy_id, first, last])
    conn.unregister("factor_weights")


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

"""Signals from walk-forward models: each model strategy's spec and features, and its predictions as z-scores."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from quant.calendar import next_trading_day
from quant.factors import FACTORS
from quant.factors.math import winsorized_zscores
from quant.strategies import Strategy
from quant.walk_forward import Fit, ModelSpec, history_needed, refit_blocks, walk_forward


def model_spec(strategy: Strategy) -> ModelSpec:
    """The walk-forward spec of a model strategy: its [model] keys that are ModelSpec fields, the rest params."""
    fields = set(ModelSpec.__dataclass_fields__) - {"model", "params"}
    return ModelSpec(
        model=strategy.signal_model,
        **{k: v for k, v in strategy.model.items() if k in fields},
        params={k: v for k, v in strategy.model.items() if k not in fields},
    )


def feature_names(strategy: Strategy) -> list[str]:
    """The strategy's features (checked against the library when the strategy file loads), or every factor."""
    return list(strategy.features) or [f.name for f in FACTORS]


def panel_groups(strategies: list[Strategy]) -> dict[tuple[str, tuple[str, ...]], list[Strategy]]:
    """Model strategies grouped by the panel they read: (score column, features)."""
    groups: dict[tuple[str, tuple[str, ...]], list[Strategy]] = {}
    for strategy in strategies:
        groups.setdefault((strategy.score_column, tuple(feature_names(strategy))), []).append(strategy)
    return groups


def fit_days(strategies: list[Strategy], days: pd.DatetimeIndex) -> np.ndarray:
    """Per day, whether some model strategy refits on it (its block starts there; the first day is never known
    to); a run of days starting on one refits nothing of the run before."""
    marked = np.zeros(len(days), dtype=bool)
    for strategy in strategies:
        blocks = refit_blocks(days, model_spec(strategy).refit_every)
        marked[1:] |= blocks[1:] != blocks[:-1]
    return marked


def history_for(strategies: list[Strategy]) -> int:
    """Trading days of panel the strategies need before their first prediction day (the longest of them)."""
    return max(history_needed(model_spec(s)) for s in strategies)


def fit_rows(strategy: Strategy, fits: list[Fit]) -> pd.DataFrame:
    """One row per fit: when, on which sample days, how many samples, features and parameters."""
    return pd.DataFrame(
        [
            {
                "strategy_id": strategy.strategy_id,
                "fit_date": fit.fit_date,
                "model": fit.model,
                "train_start": fit.train_start,
                "train_end": fit.train_end,
                "label_end": fit.label_end,
                "samples": fit.samples,
                "features": json.dumps(list(fit.features)),
                "params": json.dumps(fit.params, sort_keys=True),
            }
            for fit in fits
        ]
    )


def predicted_signals(
    strategy: Strategy,
    tickers: pd.Index,
    panel: np.ndarray,
    close: np.ndarray,
    days: pd.DatetimeIndex,
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Signal rows (the prediction's cross-sectional z-score) for [first, last] and the fits that made them."""
    if tickers.empty:
        return pd.DataFrame(), pd.DataFrame()
    names = feature_names(strategy)
    predictions, fits = walk_forward(panel, close, days, model_spec(strategy), first, last, names, tickers)
    z = winsorized_zscores(predictions, np.isfinite(predictions))
    row, col = np.nonzero(np.isfinite(z))
    after = pd.DatetimeIndex([*days[1:], next_trading_day(days[-1])])
    signals = pd.DataFrame(
        {
            "symbol": tickers[col],
            "signal_timestamp": days[row],
            "timestamp": after[row],
            "signal": z[row, col],
            "strategy_id": strategy.strategy_id,
        }
    )
    return signals, fit_rows(strategy, fits)

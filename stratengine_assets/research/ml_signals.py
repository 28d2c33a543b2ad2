"""Signals from walk-forward scikit-learn models of factor z-scores (see walk_forward for purging and embargo)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from partitions.trading_calendar import next_trading_day, shift_trading_days, trading_days
from stratengine_assets.price_history import close_matrix
from stratengine_assets.research.factor_library import FACTORS
from stratengine_assets.research.factor_math import to_matrix, winsorized_zscores
from stratengine_assets.research.walk_forward import Fit, history_needed, walk_forward
from stratengine_assets.strategies import Strategy

PANEL_SQL = """
SELECT date, ticker, {score} AS value FROM factors
WHERE date BETWEEN $first AND $last AND factor = $factor AND {score} IS NOT NULL
"""
TICKERS_SQL = "SELECT DISTINCT ticker FROM factors WHERE date BETWEEN $first AND $last ORDER BY ticker"


def feature_names(strategy: Strategy) -> list[str]:
    """The strategy's features (checked against the library when the strategy file loads), or every factor."""
    return list(strategy.features) or [f.name for f in FACTORS]


def feature_panel(
    conn, strategy: Strategy, days: pd.DatetimeIndex, names: list[str]
) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Tickers, (days x tickers x features) z-scores and (days x tickers) closes over `days`, read one factor at a
    time so memory stays at the panel's size."""
    window = {"first": days[0].date(), "last": days[-1].date()}
    tickers = pd.Index(conn.execute(TICKERS_SQL, window).df()["ticker"])
    panel = np.full((len(days), len(tickers), len(names)), np.nan)
    for k, name in enumerate(names):
        rows = conn.execute(PANEL_SQL.format(score=strategy.score_column), {**window, "factor": name}).fetchnumpy()
        panel[:, :, k] = to_matrix(rows, "value", days, tickers)
    return tickers, panel, close_matrix(conn, tickers, days)


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


def model_signals(
    conn, strategies: list[Strategy], first: pd.Timestamp, last: pd.Timestamp
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per model strategy: signal rows (the prediction's cross-sectional z-score) for [first, last] and the fits
    that made them. Strategies reading the same scores share one panel, loaded over the longest history any of
    them needs (a longer load gives the same predictions)."""
    groups: dict[tuple, list[Strategy]] = {}
    for strategy in strategies:
        groups.setdefault((strategy.score_column, tuple(feature_names(strategy))), []).append(strategy)
    out = {}
    for (_, names), members in groups.items():
        history = max(history_needed(s.model_spec()) for s in members)
        days = trading_days(shift_trading_days(first, -history), last)
        tickers, panel, close = feature_panel(conn, members[0], days, list(names))
        for strategy in members:
            out[strategy.strategy_id] = _predict_rows(strategy, tickers, panel, close, days, first, last)
    return out


def _predict_rows(
    strategy: Strategy,
    tickers: pd.Index,
    panel: np.ndarray,
    close: np.ndarray,
    days: pd.DatetimeIndex,
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if tickers.empty:
        return pd.DataFrame(), pd.DataFrame()
    names = feature_names(strategy)
    predictions, fits = walk_forward(panel, close, days, strategy.model_spec(), first, last, names, tickers)
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

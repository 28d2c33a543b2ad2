"""(trading day x ticker) matrices: scattering long rows into them, filling, lagging, returns."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def to_matrix(rows: Mapping[str, ArrayLike], column: str, days: pd.DatetimeIndex, tickers: pd.Index) -> np.ndarray:
    """Scatter long rows (date, ticker, column), a DataFrame or a mapping of column arrays, into a days x tickers
    float matrix; absent cells are NaN and rows outside `days` or `tickers` are left out."""
    matrix = np.full((len(days), len(tickers)), np.nan)
    row = days.get_indexer(pd.DatetimeIndex(rows["date"]))
    col = tickers.get_indexer(rows["ticker"])
    keep = (row >= 0) & (col >= 0)
    matrix[row[keep], col[keep]] = np.asarray(rows[column], dtype="float64")[keep]
    return matrix


def row_ranks(values: np.ndarray) -> np.ndarray:
    """Each row's average ranks (1-based; tied values share their mean rank) of its finite values, NaN elsewhere:
    pandas' DataFrame.rank(axis=1) to the bit, on one argsort of the matrix (1.7x faster at 252 x 5,000)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    placed = np.where(finite, values, np.inf)  # non-finite cells sort last and are masked out below
    order = np.argsort(placed, axis=1)
    ordered = np.take_along_axis(placed, order, axis=1)
    positions = np.arange(values.shape[1])
    differs = ordered[:, 1:] != ordered[:, :-1]
    edge = np.ones((len(values), 1), dtype=bool)
    first = np.maximum.accumulate(np.where(np.hstack([edge, differs]), positions, 0), axis=1)
    last_flags = np.where(np.hstack([differs, edge]), positions, len(positions) - 1)
    last = np.minimum.accumulate(last_flags[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty(values.shape)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=1)
    return np.where(finite, ranks, np.nan)


def forward_fill(matrix: np.ndarray, limit: int | None = None) -> np.ndarray:
    return pd.DataFrame(matrix).ffill(limit=limit).to_numpy(copy=True)


def lagged(matrix: np.ndarray, lag: int) -> np.ndarray:
    """matrix shifted down by lag rows: row t holds row t - lag."""
    out = np.full_like(matrix, np.nan)
    if lag < len(matrix):
        out[lag:] = matrix[: len(matrix) - lag]
    return out


def period_return(close: np.ndarray, start_lag: int, end_lag: int = 0) -> np.ndarray:
    """Return from close[t - start_lag] to close[t - end_lag]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return lagged(close, end_lag) / lagged(close, start_lag) - 1.0


def daily_returns(close: np.ndarray) -> np.ndarray:
    return period_return(close, 1)


def forward_returns(close: np.ndarray, horizon: int) -> np.ndarray:
    """close[t + horizon] / close[t] - 1; NaN in the last horizon rows."""
    ahead = np.full_like(close, np.nan)
    ahead[: max(len(close) - horizon, 0)] = close[horizon:]
    with np.errstate(divide="ignore", invalid="ignore"):
        return ahead / close - 1.0


def row_quantiles(values: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Per row, np.nanquantile(row, probs) (linear interpolation) to the bit, on one sort of the whole matrix instead
    of numpy's row-by-row loop: numpy's virtual index (n - 1) * p and its two-sided lerp, copied."""
    ordered = np.sort(values, axis=1)  # NaN sorts last
    n = np.isfinite(values).sum(axis=1)[:, None].astype(np.float64)
    virtual = (n - 1) * probs[None, :]
    below = np.floor(virtual)
    gamma = virtual - below
    last = np.maximum(n - 1, 0).astype(np.int64)
    lower = np.clip(below.astype(np.int64), 0, last)
    upper = np.clip(below.astype(np.int64) + 1, 0, last)
    lower = np.where(virtual >= n - 1, last, lower)
    a = np.take_along_axis(ordered, lower, axis=1)
    b = np.take_along_axis(ordered, upper, axis=1)
    diff = b - a
    out = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return np.where(n > 0, out, np.nan)

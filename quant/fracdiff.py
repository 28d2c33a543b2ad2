"""Fixed-width-window fractional differentiation (Lopez de Prado, Advances in Financial Machine Learning, ch. 5),
of one series or of every ticker's own history at once.

The `fracdiff` package is not available from this machine's package registry, so this is our own numpy version.
Weights are newest lag first: value_t = sum_k w_k x_{t-k} for k < width.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib.util import find_spec

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import fftconvolve

from quant.adf import passes

DEFAULT_THRESHOLD = 1e-4
MAX_WIDTH = 10_000
D_CANDIDATES = np.round(np.arange(0, 1.05, 0.05), 2)
ADF_PVALUE = 0.05
ADF_MAX_LAG = 1
MIN_VALUES = 126


@lru_cache(maxsize=256)
def _weights(d: float, threshold: float, max_width: int) -> np.ndarray:
    ratios = -(d - np.arange(1, max_width) + 1) / np.arange(1, max_width)
    weights = np.cumprod(np.concatenate(([1.0], ratios)))
    below = np.flatnonzero(np.abs(weights) < threshold)
    weights = weights[: below[0]] if len(below) else weights
    weights.setflags(write=False)
    return weights


def fracdiff_weights(d: float, threshold: float = DEFAULT_THRESHOLD, max_width: int = MAX_WIDTH) -> np.ndarray:
    """w_0 = 1, w_k = -w_{k-1} (d - k + 1) / k, up to the first |w_k| < threshold (at most max_width); read-only."""
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    if max_width < 1:
        raise ValueError(f"max_width must be at least 1, got {max_width}")
    return _weights(float(d), float(threshold), int(max_width))


def fracdiff(values: np.ndarray, d: float, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """Differentiate a series (or each column of a days x tickers matrix); NaN where the window is short or has NaN."""
    values = np.asarray(values, dtype=float)
    if values.ndim not in (1, 2):
        raise ValueError(f"expected a 1-D series or a 2-D matrix, got {values.ndim} dimensions")
    weights = fracdiff_weights(d, threshold)
    out = np.full(values.shape, np.nan)
    if len(values) < len(weights):
        return out
    if values.ndim == 1:
        out[len(weights) - 1 :] = np.convolve(values, weights, mode="valid")
    else:
        windows = sliding_window_view(values, len(weights), axis=0)
        out[len(weights) - 1 :] = np.einsum("tcw,w->tc", windows, weights[::-1])
    return out


def statsmodels_available() -> bool:
    """Whether the ADF test (statsmodels) can run."""
    return find_spec("statsmodels") is not None


def adf_pvalue(series: np.ndarray) -> float:
    """p-value of the augmented Dickey-Fuller test (constant, one lag, as in AFML); NaN for a constant series."""
    from statsmodels.tsa.stattools import adfuller

    try:
        return float(adfuller(series, maxlag=ADF_MAX_LAG, regression="c", autolag=None, result_object=True).pvalue)
    except ValueError:
        return float("nan")


def minimum_d(
    log_prices: np.ndarray,
    candidates: Sequence[float] = D_CANDIDATES,
    threshold: float = DEFAULT_THRESHOLD,
    pvalue: float = ADF_PVALUE,
    min_values: int = MIN_VALUES,
) -> float | None:
    """The smallest candidate d whose differentiated series (of at least min_values points) passes ADF; else None."""
    if not statsmodels_available():
        raise ImportError("choosing d needs statsmodels: install it or configure a fixed d")
    for d in sorted(candidates):
        values = fracdiff(log_prices, d, threshold)
        values = values[np.isfinite(values)]
        if len(values) >= min_values and adf_pvalue(values) < pvalue:
            return float(d)
    return None


def observations(close: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From a (day x ticker) panel of closes (NaN where a ticker has no row): the (observation x ticker) log closes,
    each ticker's own rows moved up in date order (NaN after its history ends, and for a non-positive close), each
    observation's day (row of the panel; -1 where there is none), and the observations per ticker. Worked ticker
    by ticker on the transposed mask, where a running count along a row is a contiguous pass."""
    held = np.ascontiguousarray(np.isfinite(close).T)
    col, row = np.nonzero(held)
    position = (np.cumsum(held, axis=1, dtype=np.int64) - 1)[held]
    lengths = held.sum(axis=1)
    matrix = np.full((int(lengths.max(initial=0)), close.shape[1]), np.nan)
    day = np.full(matrix.shape, -1, dtype=np.int64)
    values = close[row, col]
    with np.errstate(divide="ignore", invalid="ignore"):
        matrix[position, col] = np.where(values > 0, np.log(values), np.nan)
    day[position, col] = row
    return matrix, day, lengths


def search_before(last_days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The day each ticker's d search stops before: the first of the month of its latest price. The search sees
    the ticker's history through the end of the previous month, so a new day within a month leaves d (and every
    value before the day) as it was, and d is chosen afresh once a month."""
    return pd.DatetimeIndex(last_days).to_period("M").to_timestamp()


def extend(matrix: np.ndarray, start_rows: np.ndarray, stop_rows: np.ndarray, d: float, threshold: float) -> np.ndarray:
    """fracdiff of each column c at its observations start_rows[c] .. stop_rows[c] - 1 (NaN elsewhere), each a window
    product over the observations before it: the values a new day adds to a series whose earlier values stand.
    Only those cells are computed (a day's work, not the history's)."""
    weights = fracdiff_weights(d, threshold)
    out = np.full(matrix.shape, np.nan)
    counts = np.maximum(stop_rows - start_rows, 0)
    col = np.repeat(np.arange(matrix.shape[1]), counts)
    row = np.repeat(start_rows, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    full = row >= len(weights) - 1
    row, col = row[full], col[full]
    windows = matrix[row[:, None] - np.arange(len(weights))[None, :], col[:, None]]  # newest observation first
    out[row, col] = windows @ weights
    return out


def fixed_d(tickers: pd.Index, lengths: np.ndarray, d: float, threshold: float) -> tuple[np.ndarray, dict[str, str]]:
    """The configured d for every ticker with enough history for its window (NaN for the others), and the skips."""
    needed = len(fracdiff_weights(d, threshold)) - 1 + MIN_VALUES
    short = lengths < needed
    reason = f"fewer than the {needed} prices needed"
    skipped = {t: f"{n} prices, {reason}" for t, n in zip(tickers[short], lengths[short], strict=True)}
    return np.where(short, np.nan, d), skipped


def searched_d(
    tickers: pd.Index, matrix: np.ndarray, lengths: np.ndarray, threshold: float
) -> tuple[np.ndarray, dict[str, str], int]:
    """Per ticker the smallest candidate d passing ADF (NaN where none does or history is short), the skips, and
    how many tickers were searched: minimum_d for every column, each candidate tried on all undecided columns at
    once (one FFT convolution, one batched ADF regression)."""
    if not statsmodels_available():
        raise ImportError("choosing d needs statsmodels: install it or configure a fixed d")
    chosen = np.full(len(tickers), np.nan)
    short = lengths < MIN_VALUES + 1
    skipped = {
        t: f"{n} prices, fewer than the {MIN_VALUES + 1} prices needed"
        for t, n in zip(tickers[short], lengths[short], strict=True)
    }
    pending = ~short
    searched = int(pending.sum())
    for d in sorted(D_CANDIDATES):
        columns = np.flatnonzero(pending)
        if not len(columns):
            break
        values = convolved(matrix[:, columns], float(d), threshold)
        found = (np.isfinite(values).sum(axis=0) >= MIN_VALUES) & passes(values, ADF_PVALUE)
        chosen[columns[found]] = d
        pending[columns[found]] = False
    for ticker in tickers[pending]:
        skipped[ticker] = f"no candidate d passes the ADF test at p < {ADF_PVALUE}"
    return chosen, skipped, searched


def convolved(matrix: np.ndarray, d: float, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """fracdiff of every column by FFT convolution: equal to it up to rounding (about 1e-14), NaN where the window
    is short or holds a NaN. For the d search, where a direct window product per candidate costs days x tickers x
    width."""
    weights = fracdiff_weights(d, threshold)
    width, out = len(weights), np.full(matrix.shape, np.nan)
    if len(matrix) < width:
        return out
    missing = ~np.isfinite(matrix)
    sums = fftconvolve(np.where(missing, 0.0, matrix), weights[:, None], mode="full", axes=0)[: len(matrix)]
    gaps = np.cumsum(np.vstack([np.zeros((1, matrix.shape[1]), dtype=np.int64), missing]), axis=0)
    clean = gaps[width:] - gaps[:-width] == 0
    out[width - 1 :] = np.where(clean, sums[width - 1 :], np.nan)
    return out


def differentiate(matrix: np.ndarray, chosen: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Every column differentiated with its d, one vectorized call per distinct d; and the window widths."""
    out = np.full(matrix.shape, np.nan)
    widths = np.zeros(len(chosen), dtype=np.int64)
    for d in np.unique(chosen[np.isfinite(chosen)]):
        columns = np.flatnonzero(chosen == d)
        out[:, columns] = fracdiff(matrix[:, columns], d, threshold)
        widths[columns] = len(fracdiff_weights(d, threshold))
    return out, widths


def memory_kept(diffed: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Per column, the correlation of the differentiated series with the level where both exist."""
    both = np.isfinite(diffed) & np.isfinite(levels)
    n = both.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(both, diffed - np.where(both, diffed, 0).sum(axis=0) / n, 0)
        y = np.where(both, levels - np.where(both, levels, 0).sum(axis=0) / n, 0)
        return (x * y).sum(axis=0) / np.sqrt((x * x).sum(axis=0) * (y * y).sum(axis=0))

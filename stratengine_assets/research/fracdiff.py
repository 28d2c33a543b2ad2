"""Fixed-width-window fractional differentiation (Lopez de Prado, Advances in Financial Machine Learning, ch. 5).

The `fracdiff` package is not available from this machine's package registry, so this is our own numpy version.
Weights are newest lag first: value_t = sum_k w_k x_{t-k} for k < width.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib.util import find_spec

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

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

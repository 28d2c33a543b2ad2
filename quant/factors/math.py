"""Vectorized factor arithmetic on (trading day x ticker) matrices: rolling moments, betas, cross-sections."""

from __future__ import annotations

import bottleneck as bn
import numpy as np

from quant.panel import row_quantiles


def rolling_std(values: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Per column, the trailing window's sample std (ddof=1) of its finite values, NaN below min_periods of them:
    pandas' rolling std, computed by bottleneck in one pass over the matrix (pandas loops over the columns)."""
    return _moving(bn.move_std, values, window, max(min_periods, 2), ddof=1)  # one value has no sample std


def rolling_mean(values: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Per column, the trailing window's mean of its finite values, NaN below min_periods of them (pandas' rolling
    mean, by bottleneck)."""
    return _moving(bn.move_mean, values, window, min_periods)


def _moving(move, values: np.ndarray, window: int, min_periods: int, **options) -> np.ndarray:
    """bottleneck's move_* down the rows, for any number of rows: a window longer than the matrix covers the same
    rows as one of its length (bottleneck refuses it), and fewer rows than min_periods leave every cell NaN."""
    values = np.asarray(values, dtype=np.float64)
    rows = values.shape[0]
    if rows < min_periods or rows == 0:
        return np.full(values.shape, np.nan)
    return move(values, min(window, rows), min_count=min_periods, axis=0, **options)


def rolling_beta(
    returns: np.ndarray, benchmark: np.ndarray, window: int, min_periods: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per name: OLS slope on the benchmark's returns and the residual variance, over trailing windows.

    Moments are taken over the days both series have a return, so a name's gaps do not bias its beta.
    """
    both = np.isfinite(returns) & np.isfinite(benchmark)[:, None]
    r = np.where(both, returns, np.nan)
    m = np.where(both, benchmark[:, None], np.nan)
    mean_r, mean_m = rolling_mean(r, window, min_periods), rolling_mean(m, window, min_periods)
    covariance = rolling_mean(r * m, window, min_periods) - mean_r * mean_m
    variance_m = rolling_mean(m * m, window, min_periods) - mean_m**2
    variance_r = rolling_mean(r * r, window, min_periods) - mean_r**2
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.where(variance_m > 0, covariance / variance_m, np.nan)
    residual = np.maximum(variance_r - beta**2 * variance_m, 0.0)
    return beta, residual


def winsorized_zscores(
    values: np.ndarray, members: np.ndarray, lower: float = 0.01, upper: float = 0.99, min_names: int = 3
) -> np.ndarray:
    """Per row: clip members' finite values at the lower/upper quantiles, then z-score (ddof=1).

    The moments are np.nanmean's and np.nanstd's steps on one zero-filled copy (the same figures, fewer passes)."""
    finite = members & np.isfinite(values)
    counts = finite.sum(axis=1)
    usable = counts >= min_names
    if not usable.any():
        return np.full(values.shape, np.nan)
    every_row = bool(usable.all())
    block = np.where(finite, values, np.nan) if every_row else np.where(finite, values, np.nan)[usable]
    known = finite if every_row else finite[usable]
    n = counts[usable][:, None].astype(np.float64)
    edges = row_quantiles(block, np.array([lower, upper]))  # np.nanquantile's figures, on one sort
    deviation = np.clip(block, edges[:, :1], edges[:, 1:], out=block)
    deviation[~known] = 0.0
    mean = deviation.sum(axis=1, keepdims=True) / n
    deviation -= mean
    deviation[~known] = 0.0
    std = np.sqrt(np.square(deviation).sum(axis=1, keepdims=True) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        scored = np.where(known & (std > 0), deviation / std, np.nan)
    if every_row:
        return scored
    z = np.full(values.shape, np.nan)
    z[usable] = scored
    return z


def sector_neutral(z: np.ndarray, sector_codes: np.ndarray) -> np.ndarray:
    """Per row: subtract each sector's mean z-score from its members, then rescale to unit std (ddof=1)."""
    valid = np.isfinite(z)
    if not valid.any():
        return np.full_like(z, np.nan)
    sectors = np.zeros((len(sector_codes), int(sector_codes.max()) + 1))
    sectors[np.arange(len(sector_codes)), sector_codes] = 1.0
    counts = valid.astype(float) @ sectors
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(valid, z, 0.0) @ sectors / counts
    demeaned = np.where(valid, z - means[:, sector_codes], np.nan)
    names = valid.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        std = np.sqrt(np.nansum(demeaned**2, axis=1, keepdims=True) / (names - 1))
        return np.where((names > 1) & (std > 0), demeaned / std, np.nan)

"""The augmented Dickey-Fuller test of many series at once, as statsmodels' adfuller(x, maxlag=1, regression="c",
autolag=None) computes it for each: the t-statistic of gamma in dx_t = a + gamma x_{t-1} + b dx_{t-1} + e_t.

One batched least-squares solve over every column replaces one adfuller call per series (about 2 ms each: 5,000
tickers times a few candidate d is most of the frac_diff step). The p-value test p < level is asked as t < t*,
where t* is the statistic MacKinnon's approximate p-value (statsmodels' mackinnonp, monotone there) maps to level.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

REGRESSORS = 3  # x_{t-1}, dx_{t-1}, the constant


def compact_columns(values: np.ndarray) -> np.ndarray:
    """Each column's finite values moved to its top in their order, NaN below."""
    order = np.argsort(~np.isfinite(values), axis=0, kind="stable")
    return np.take_along_axis(values, order, axis=0)


def adf_tstats(values: np.ndarray) -> np.ndarray:
    """Per column of a (observations x series) matrix, the ADF statistic of its finite values taken in order, as
    adfuller(maxlag=1, regression="c", autolag=None); NaN where the regression has no residual degree of freedom
    or is singular (a constant series). x_{t-1} is centred first, which leaves gamma's t-statistic unchanged."""
    series = compact_columns(np.asarray(values, dtype=float))
    out = np.full(series.shape[1], np.nan)
    if len(series) < 4:
        return out
    level, previous, current = series[1:-1], series[:-2], series[2:]
    used = np.isfinite(current)
    nobs = used.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(used, level, 0.0).sum(axis=0) / nobs
    x = np.where(used, level - centre, 0.0)
    lag = np.where(used, level - previous, 0.0)
    target = np.where(used, current - level, 0.0)
    sums = [(x * x).sum(0), (x * lag).sum(0), x.sum(0), (lag * lag).sum(0), lag.sum(0), nobs.astype(float)]
    gram = np.stack([sums[0], sums[1], sums[2], sums[1], sums[3], sums[4], sums[2], sums[4], sums[5]], axis=1)
    gram = gram.reshape(-1, REGRESSORS, REGRESSORS)
    moment = np.stack([(x * target).sum(0), (lag * target).sum(0), target.sum(0)], axis=1)
    scale = np.maximum(np.abs(gram).max(axis=(1, 2)), 1.0) ** REGRESSORS
    good = (nobs > REGRESSORS) & (np.abs(np.linalg.det(gram)) > 1e-12 * scale)
    if not good.any():
        return out
    inverse = np.linalg.inv(gram[good])
    beta = np.einsum("nij,nj->ni", inverse, moment[good])
    fitted = x[:, good] * beta[:, 0] + lag[:, good] * beta[:, 1] + beta[:, 2]
    residual = np.where(used[:, good], target[:, good] - fitted, 0.0)
    variance = (residual * residual).sum(axis=0) / (nobs[good] - REGRESSORS)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[good] = np.where(variance > 0, beta[:, 0] / np.sqrt(variance * inverse[:, 0, 0]), np.nan)
    return out


@lru_cache(maxsize=16)
def critical_tstat(level: float) -> float:
    """The ADF statistic (constant, one series) whose MacKinnon p-value is `level`: p < level exactly when t < it."""
    from scipy.optimize import brentq
    from statsmodels.tsa.adfvalues import mackinnonp

    return float(brentq(lambda t: mackinnonp(t, regression="c", N=1) - level, -20.0, -1.62, xtol=1e-14))


def passes(values: np.ndarray, level: float) -> np.ndarray:
    """Per column: whether its ADF p-value is below `level` (False where the statistic is NaN)."""
    with np.errstate(invalid="ignore"):
        return adf_tstats(values) < critical_tstat(level)

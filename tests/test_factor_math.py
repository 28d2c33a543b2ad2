"""The vectorized factor arithmetic against direct computations."""

import numpy as np
import pandas as pd
import pytest

from quant.factors import FACTORS
from quant.factors.math import rolling_beta, rolling_mean, rolling_std, sector_neutral, winsorized_zscores


@pytest.mark.parametrize("rows", [0, 1, 14, 15, 21, 199, 200, 252, 600])
@pytest.mark.parametrize("window,min_periods", [(252, 200), (21, 15), (5, 1)])
def test_rolling_moments_equal_pandas_on_returns_with_gaps(rows, window, min_periods):
    """Daily returns with gaps and a suspended stretch: the same NaN cells as pandas' rolling mean and std, the same
    values to 1e-9 (bottleneck's one pass against pandas' column loop), a window longer than the history included."""
    rng = np.random.default_rng(rows)
    returns = rng.normal(0.0003, 0.02, (rows, 6))
    returns[rng.random(returns.shape) < 0.1] = np.nan
    returns[rows // 3 : rows // 2, 2] = np.nan
    rolled = pd.DataFrame(returns).rolling(window, min_periods=min_periods)
    for ours, theirs in (
        (rolling_mean(returns, window, min_periods), rolled.mean().to_numpy()),
        (rolling_std(returns, window, min_periods), rolled.std(ddof=1).to_numpy()),
    ):
        assert ours.shape == theirs.shape
        assert np.array_equal(np.isnan(ours), np.isnan(theirs))
        assert np.allclose(ours, theirs, rtol=1e-9, atol=0, equal_nan=True)


def test_rolling_beta_matches_least_squares_on_the_window():
    rng = np.random.default_rng(4)
    market = rng.normal(0, 0.01, 300)
    names = 1.3 * market[:, None] + rng.normal(0, 0.02, (300, 3))
    names[50, 1] = np.nan
    beta, residual = rolling_beta(names, market, 252, 200)
    window = slice(300 - 252, 300)
    for j in range(3):
        y, x = names[window, j], market[window]
        keep = np.isfinite(y)
        slope, intercept = np.polyfit(x[keep], y[keep], 1)
        assert beta[-1, j] == pytest.approx(slope, rel=1e-9)
        assert residual[-1, j] == pytest.approx(np.mean((y[keep] - slope * x[keep] - intercept) ** 2), rel=1e-9)


def test_sector_neutral_scores_have_zero_sector_means_and_unit_spread():
    rng = np.random.default_rng(5)
    sectors = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    z = rng.normal(size=(4, 10)) + sectors * 3.0
    z[0, 3] = np.nan
    neutral = sector_neutral(z, sectors)
    for code in range(3):
        assert np.allclose(np.nanmean(neutral[:, sectors == code], axis=1), 0.0)
    assert np.allclose(np.nanstd(neutral, axis=1, ddof=1), 1.0)
    assert np.isnan(neutral[0, 3])


def test_winsorized_zscores_clip_outliers_and_standardize():
    values = np.array([[1.0, 2.0, 3.0, 4.0, 1000.0]])
    z = winsorized_zscores(values, np.ones_like(values, dtype=bool), lower=0.0, upper=0.75)
    assert np.nanmean(z) == pytest.approx(0.0, abs=1e-12) and np.nanstd(z, ddof=1) == pytest.approx(1.0)
    assert z[0, 4] == pytest.approx(z[0, 3])  # 1000 clipped to the 75th percentile


def test_library_has_the_declared_factors():
    names = {f.name for f in FACTORS}
    assert len(names) >= 13 and {"relative_momentum_12m", "beta_252d", "idio_vol_252d", "adv_21d"} <= names


def _numpy_winsorized_zscores(values, members, lower=0.01, upper=0.99, min_names=3):
    """The z-scores as numpy's nan-functions compute them, row by row (the figures the fast version must keep)."""
    masked = np.where(members & np.isfinite(values), values, np.nan)
    usable = np.isfinite(masked).sum(axis=1) >= min_names
    z = np.full_like(masked, np.nan)
    block = masked[usable]
    clipped = np.clip(
        block,
        np.nanquantile(block, lower, axis=1, keepdims=True),
        np.nanquantile(block, upper, axis=1, keepdims=True),
    )
    mean = np.nanmean(clipped, axis=1, keepdims=True)
    std = np.nanstd(clipped, axis=1, ddof=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        z[usable] = np.where(std > 0, (clipped - mean) / std, np.nan)
    return z


def test_winsorized_zscores_equal_numpys_nan_functions_to_the_bit():
    rng = np.random.default_rng(11)
    for members_share in (1.0, 0.9, 0.02):
        values = rng.normal(size=(200, 300))
        values[rng.random(values.shape) < 0.3] = np.nan
        values[0, :], values[1, 2:], values[2, :] = np.nan, np.nan, 5.0  # empty, two names, all tied
        members = rng.random(values.shape) < members_share
        fast = winsorized_zscores(values, members)
        assert np.array_equal(fast, _numpy_winsorized_zscores(values, members), equal_nan=True)


@pytest.mark.parametrize("limit", [None, 1, 5])
def test_forward_fill_equals_pandas_ffill(limit):
    """Gaps of every length, leading NaN, infinities and an empty panel: cell for cell pandas' ffill(limit)."""
    from quant.panel import forward_fill

    rng = np.random.default_rng(9)
    panel = rng.normal(size=(300, 8))
    panel[rng.random(panel.shape) < 0.3] = np.nan
    panel[:20, 0], panel[100:140, 3], panel[7, 5] = np.nan, np.nan, np.inf
    expected = pd.DataFrame(panel).ffill(limit=limit).to_numpy()
    filled = forward_fill(panel, limit=limit)
    assert np.array_equal(filled, expected, equal_nan=True)
    assert filled is not panel and np.isnan(panel).sum() > np.isnan(filled).sum()  # a new array; the input kept
    assert forward_fill(np.empty((0, 4)), limit=limit).shape == (0, 4)

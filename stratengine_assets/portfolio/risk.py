"""Covariance of trailing returns with Ledoit-Wolf shrinkage."""

from __future__ import annotations

import numpy as np
from sklearn.covariance import LedoitWolf

from stratengine_assets.research.factor_math import TRADING_DAYS_PER_YEAR

MIN_COVERAGE = 0.8


def usable_names(returns: np.ndarray, min_coverage: float = MIN_COVERAGE) -> np.ndarray:
    """Columns with finite returns on at least min_coverage of the rows."""
    return np.isfinite(returns).mean(axis=0) >= min_coverage


def shrunk_covariance(returns: np.ndarray) -> np.ndarray:
    """Annualized Ledoit-Wolf covariance of daily returns (rows are days); gaps count as zero excess return."""
    demeaned = returns - np.nanmean(returns, axis=0)
    filled = np.where(np.isfinite(demeaned), demeaned, 0.0)
    return LedoitWolf(assume_centered=True).fit(filled).covariance_ * TRADING_DAYS_PER_YEAR

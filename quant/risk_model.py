"""Risk estimates: a statistical factor model (B, F, D) of trailing returns, and Ledoit-Wolf for small sets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.covariance import LedoitWolf

from quant.calendar import TRADING_DAYS_PER_YEAR

MIN_COVERAGE = 0.8
DEFAULT_FACTORS = 10
SPECIFIC_SHRINKAGE = 0.2


def usable_names(returns: np.ndarray, min_coverage: float = MIN_COVERAGE) -> np.ndarray:
    """Columns with finite returns on at least min_coverage of the rows."""
    return np.isfinite(returns).mean(axis=0) >= min_coverage


def _centered(returns: np.ndarray) -> np.ndarray:
    demeaned = returns - np.nanmean(returns, axis=0)
    return np.where(np.isfinite(demeaned), demeaned, 0.0)


def shrunk_covariance(returns: np.ndarray) -> np.ndarray:
    """Annualized Ledoit-Wolf covariance of daily returns (rows are days); gaps count as zero excess return."""
    return LedoitWolf(assume_centered=True).fit(_centered(returns)).covariance_ * TRADING_DAYS_PER_YEAR


@dataclass(frozen=True)
class FactorRiskModel:
    """Covariance = B F B' + diag(D), annualized; never formed as an N x N matrix."""

    loadings: np.ndarray  # B, names x factors
    factor_covariance: np.ndarray  # F, factors x factors
    specific_variance: np.ndarray  # D, names

    def variance(self, weights: np.ndarray) -> float:
        exposure = self.loadings.T @ weights
        return float(exposure @ self.factor_covariance @ exposure + self.specific_variance @ weights**2)

    def volatility(self) -> np.ndarray:
        """Each name's total annualized volatility."""
        systematic = np.einsum("ik,kl,il->i", self.loadings, self.factor_covariance, self.loadings)
        return np.sqrt(systematic + self.specific_variance)


def pca_risk_model(
    returns: np.ndarray, factors: int = DEFAULT_FACTORS, specific_shrinkage: float = SPECIFIC_SHRINKAGE
) -> FactorRiskModel:
    """Statistical factor model of daily returns (rows are days): the leading principal components as factors,
    residual variances shrunk toward their cross-sectional mean."""
    x = _centered(returns)
    k = max(1, min(factors, x.shape[0] - 2, x.shape[1] - 1))
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    loadings = vt[:k].T
    factor_returns = x @ loadings
    residual = x - factor_returns @ loadings.T
    specific = residual.var(axis=0, ddof=1)
    specific = (1 - specific_shrinkage) * specific + specific_shrinkage * specific.mean()
    factor_covariance = np.atleast_2d(np.cov(factor_returns, rowvar=False, ddof=1))
    return FactorRiskModel(
        loadings, factor_covariance * TRADING_DAYS_PER_YEAR, np.maximum(specific, 1e-12) * TRADING_DAYS_PER_YEAR
    )

"""Monte Carlo value at risk of a portfolio: historical bootstrap and simulation from the factor risk model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quant.calendar import TRADING_DAYS_PER_YEAR
from quant.risk_model import FactorRiskModel

METHODS = ("historical_bootstrap", "factor_model")  # the keys portfolio_var writes
HORIZONS = (1, 10)
CONFIDENCES = (0.95, 0.99)
SIMULATIONS = 10_000


def var_cvar(outcomes: np.ndarray, confidence: float) -> tuple[float, float]:
    """Loss not exceeded with the given confidence, and the mean loss beyond it (both positive numbers)."""
    cutoff = np.quantile(outcomes, 1 - confidence)
    return float(-cutoff), float(-outcomes[outcomes <= cutoff].mean())


def bootstrap_outcomes(weights: np.ndarray, returns: np.ndarray, horizon: int, rng: np.random.Generator) -> np.ndarray:
    """Portfolio returns over `horizon` days, each day drawn with replacement from the trailing daily returns."""
    daily = np.nan_to_num(returns) @ weights
    draws = daily[rng.integers(0, len(daily), size=(SIMULATIONS, horizon))]
    return np.prod(1.0 + draws, axis=1) - 1.0


def model_outcomes(weights: np.ndarray, model: FactorRiskModel, horizon: int, rng: np.random.Generator) -> np.ndarray:
    """Portfolio returns over `horizon` days simulated from the factor model: factor draws plus specific draws."""
    exposure = model.loadings.T @ weights
    factor_sd = np.sqrt(exposure @ model.factor_covariance @ exposure / TRADING_DAYS_PER_YEAR)
    specific_sd = np.sqrt(model.specific_variance @ weights**2 / TRADING_DAYS_PER_YEAR)
    daily = rng.normal(0, factor_sd, (SIMULATIONS, horizon)) + rng.normal(0, specific_sd, (SIMULATIONS, horizon))
    return np.prod(1.0 + daily, axis=1) - 1.0


def portfolio_var(weights: np.ndarray, returns: np.ndarray, model: FactorRiskModel, seed: int = 0) -> pd.DataFrame:
    """Rows (method, horizon_days, confidence, var, cvar) for both methods, horizons and confidence levels."""
    rng = np.random.default_rng(seed)
    rows = []
    for horizon in HORIZONS:
        outcomes = {
            "historical_bootstrap": bootstrap_outcomes(weights, returns, horizon, rng),
            "factor_model": model_outcomes(weights, model, horizon, rng),
        }
        for method, simulated in outcomes.items():
            for confidence in CONFIDENCES:
                var, cvar = var_cvar(simulated, confidence)
                rows.append(
                    {"method": method, "horizon_days": horizon, "confidence": confidence, "var": var, "cvar": cvar}
                )
    return pd.DataFrame(rows)

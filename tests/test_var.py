"""VaR and CVaR against closed forms."""

import numpy as np
import pytest
from scipy.stats import norm

from quant.risk_model import pca_risk_model
from quant.var import SIMULATIONS, portfolio_var, var_cvar


def test_var_and_cvar_of_a_normal_sample_match_the_closed_form():
    outcomes = np.random.default_rng(0).normal(0, 0.01, 400_000)
    var, cvar = var_cvar(outcomes, 0.99)
    assert var == pytest.approx(norm.ppf(0.99) * 0.01, rel=0.02)
    assert cvar == pytest.approx(0.01 * norm.pdf(norm.ppf(0.99)) / (1 - 0.99), rel=0.03)


def test_both_methods_agree_on_gaussian_returns_and_scale_with_the_horizon():
    rng = np.random.default_rng(1)
    returns = rng.normal(0, 1, (2000, 3)) @ rng.normal(0.005, 0.003, (3, 40)) + rng.normal(0, 0.01, (2000, 40))
    weights = np.full(40, 1 / 40)
    table = portfolio_var(weights, returns, pca_risk_model(returns, factors=3, specific_shrinkage=0.0)).set_index(
        ["method", "horizon_days", "confidence"]
    )
    daily_sd = np.std(returns @ weights, ddof=1)
    for method in ("historical_bootstrap", "factor_model"):
        assert table.loc[(method, 1, 0.99), "var"] == pytest.approx(norm.ppf(0.99) * daily_sd, rel=0.1)
        assert table.loc[(method, 10, 0.95), "var"] == pytest.approx(norm.ppf(0.95) * daily_sd * np.sqrt(10), rel=0.15)
        assert (table.loc[method, "cvar"] >= table.loc[method, "var"]).all()
    assert len(table) == 8 and SIMULATIONS >= 10_000

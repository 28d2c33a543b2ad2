import numpy as np
import pytest

from stratengine_assets.portfolio.optimizer import InfeasiblePortfolio, Limits, optimize, optimize_long_only
from stratengine_assets.portfolio.risk import shrunk_covariance


def _problem(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    returns = rng.normal(0, 0.02, size=(252, n)) + rng.normal(0, 0.01, size=(252, 1))
    return rng.normal(0, 0.05, size=n), shrunk_covariance(returns)


@pytest.mark.parametrize("n,cap", [(40, 0.05), (200, 0.05), (30, 0.1)])
def test_weights_are_long_only_fully_invested_and_capped(n, cap):
    alpha, cov = _problem(n)
    w = optimize_long_only(alpha, cov, max_weight=cap, risk_aversion=1.0)
    assert w.sum() == pytest.approx(1.0, abs=1e-9)
    assert (w >= 0).all()
    assert w.max() <= cap + 1e-6


def test_higher_alpha_gets_more_weight_when_risk_is_equal():
    cov = np.eye(25) * 0.04
    alpha = np.linspace(0.0, 0.1, 25)
    w = optimize_long_only(alpha, cov, max_weight=0.2, risk_aversion=1.0)
    assert w[-1] > w[0]
    assert np.all(np.diff(w) >= -1e-6)


def test_infeasible_cap_names_the_conflict():
    alpha, cov = _problem(10)
    with pytest.raises(
        InfeasiblePortfolio, match=r"net exposure 1 with long-only weights capped at 0.05 needs at least 20"
    ):
        optimize_long_only(alpha, cov, max_weight=0.05, risk_aversion=1.0)


def test_shrunk_covariance_is_positive_definite_and_annualized():
    rng = np.random.default_rng(1)
    daily = rng.normal(0, 0.01, size=(100, 150))  # more names than days
    cov = shrunk_covariance(daily)
    assert np.linalg.eigvalsh(cov).min() > 0
    assert np.mean(np.diag(cov)) == pytest.approx(0.01**2 * 252, rel=0.2)


def test_long_short_is_dollar_neutral_within_gross_and_caps():
    alpha, cov = _problem(120)
    limits = Limits(long_only=False, net_exposure=0.0, gross_leverage=2.0, max_weight=0.04)
    w = optimize(alpha * 20, cov, limits, risk_aversion=1.0)
    assert w.sum() == pytest.approx(0.0, abs=1e-6)
    assert np.abs(w).sum() <= 2.0 + 1e-6 and np.abs(w).max() <= 0.04 + 1e-6
    assert (w > 0).any() and (w < 0).any()
    assert np.corrcoef(w, alpha)[0, 1] > 0.3


def test_minimum_variance_prefers_the_quiet_names():
    rng = np.random.default_rng(3)
    vols = np.linspace(0.1, 0.5, 30)
    returns = rng.normal(0, 1, (500, 30)) * vols / np.sqrt(252)
    w = optimize(np.zeros(30), shrunk_covariance(returns), Limits(max_weight=0.2), risk_aversion=1.0)
    assert w[:10].sum() > w[-10:].sum() * 3


def test_every_conflict_is_named():
    message = "; ".join(Limits(long_only=True, net_exposure=-0.5, gross_leverage=0.2, max_weight=0.01).conflicts(5))
    assert "exceeds gross leverage" in message and "negative net exposure" in message


def _factor_returns(days: int, names: int, seed: int = 9) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factors = rng.normal(0, 0.01, (days, 3))
    loadings = rng.normal(1, 0.5, (3, names))
    return factors @ loadings + rng.normal(0, 0.015, (days, names))


def test_pca_model_reproduces_the_covariance_it_summarizes():
    from stratengine_assets.portfolio.risk import pca_risk_model

    returns = _factor_returns(2000, 60)
    model = pca_risk_model(returns, factors=3, specific_shrinkage=0.0)
    full = model.loadings @ model.factor_covariance @ model.loadings.T + np.diag(model.specific_variance)
    sample = np.cov(returns, rowvar=False) * 252
    assert np.abs(full - sample).max() / np.abs(sample).max() < 0.1
    w = np.full(60, 1 / 60)
    assert model.variance(w) == pytest.approx(w @ sample @ w, rel=0.05)


def test_factor_model_optimizer_matches_the_dense_one():
    from stratengine_assets.portfolio.risk import pca_risk_model

    returns = _factor_returns(252, 80)
    model = pca_risk_model(returns, factors=5)
    dense = model.loadings @ model.factor_covariance @ model.loadings.T + np.diag(model.specific_variance)
    alpha = np.random.default_rng(2).normal(0, 0.05, 80)
    limits = Limits(max_weight=0.05)
    assert np.allclose(optimize(alpha, model, limits, 1.0), optimize(alpha, dense, limits, 1.0), atol=1e-4)

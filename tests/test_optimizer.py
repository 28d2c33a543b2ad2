import itertools
from dataclasses import replace

import numpy as np
import pytest

from quant.optimizer import Book, InfeasiblePortfolio, Limits, optimize, optimize_long_only
from quant.risk_model import shrunk_covariance


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
    from quant.risk_model import pca_risk_model

    returns = _factor_returns(2000, 60)
    model = pca_risk_model(returns, factors=3, specific_shrinkage=0.0)
    full = model.loadings @ model.factor_covariance @ model.loadings.T + np.diag(model.specific_variance)
    sample = np.cov(returns, rowvar=False) * 252
    assert np.abs(full - sample).max() / np.abs(sample).max() < 0.1
    w = np.full(60, 1 / 60)
    assert model.variance(w) == pytest.approx(w @ sample @ w, rel=0.05)


def test_factor_model_optimizer_matches_the_dense_one():
    from quant.risk_model import pca_risk_model

    returns = _factor_returns(252, 80)
    model = pca_risk_model(returns, factors=5)
    dense = model.loadings @ model.factor_covariance @ model.loadings.T + np.diag(model.specific_variance)
    alpha = np.random.default_rng(2).normal(0, 0.05, 80)
    limits = Limits(max_weight=0.05)
    assert np.allclose(optimize(alpha, model, limits, 1.0), optimize(alpha, dense, limits, 1.0), atol=1e-4)


def _book_problem(n: int = 120, seed: int = 5):
    """A factor-model problem whose alpha leans toward high beta and one sector, so constraints bind."""
    from quant.risk_model import pca_risk_model

    rng = np.random.default_rng(seed)
    betas = rng.normal(1.0, 0.3, n)
    sectors = rng.integers(0, 6, n)
    alpha = 0.05 * (betas - 1.0) + 0.03 * (sectors == 0) + rng.normal(0, 0.02, n)
    return alpha, pca_risk_model(_factor_returns(252, n, seed), factors=5), betas, sectors


LONG_SHORT = Limits(long_only=False, net_exposure=0.0, gross_leverage=2.0, max_weight=0.05)


def test_sector_band_keeps_each_sector_net_within_the_band():
    alpha, model, _, sectors = _book_problem()
    free = optimize(alpha * 5, model, LONG_SHORT, 1.0, Book(sectors=sectors))
    banded = optimize(alpha * 5, model, replace(LONG_SHORT, sector_band=0.02), 1.0, Book(sectors=sectors))
    nets = lambda w: np.array([w[sectors == s].sum() for s in np.unique(sectors)])  # noqa: E731
    assert np.abs(nets(free)).max() > 0.1
    assert np.abs(nets(banded)).max() <= 0.02 + 1e-3


def test_long_only_sector_band_tracks_the_candidates_sector_mix():
    alpha, model, _, sectors = _book_problem()
    limits = Limits(max_weight=0.05, sector_band=0.03)
    w = optimize(alpha * 5, model, limits, 1.0, Book(sectors=sectors))
    for s in np.unique(sectors):
        assert abs(w[sectors == s].sum() - (sectors == s).mean()) <= 0.03 + 1e-3


def test_beta_neutral_band_holds_and_binds():
    alpha, model, betas, _ = _book_problem()
    free = optimize(alpha * 5, model, LONG_SHORT, 1.0, Book(betas=betas))
    neutral = optimize(alpha * 5, model, replace(LONG_SHORT, beta_band=0.01), 1.0, Book(betas=betas))
    assert abs(betas @ free) > 0.1
    assert abs(betas @ neutral) <= 0.01 + 1e-3


def test_max_turnover_limits_the_trade_from_the_previous_book():
    alpha, model, _, _ = _book_problem()
    previous = optimize(-alpha * 5, model, LONG_SHORT, 1.0)
    free = optimize(alpha * 5, model, LONG_SHORT, 1.0, Book(previous=previous))
    capped = optimize(alpha * 5, model, replace(LONG_SHORT, max_turnover=0.5), 1.0, Book(previous=previous))
    assert np.abs(free - previous).sum() > 1.0
    assert np.abs(capped - previous).sum() <= 0.5 + 2e-3


def test_turnover_cost_trades_less_as_it_rises():
    alpha, model, _, _ = _book_problem()
    previous = optimize(-alpha * 5, model, LONG_SHORT, 1.0)
    traded = [
        np.abs(optimize(alpha * 5, model, LONG_SHORT, 1.0, Book(previous=previous, turnover_cost=c)) - previous).sum()
        for c in (0.0, 0.15, 0.25, 0.5)
    ]
    assert traded[0] == pytest.approx(4.0, abs=1e-6)  # free trading flips the whole book
    assert all(more > less + 0.1 for more, less in itertools.pairwise(traded))  # steps, not the solver noise
    assert traded[-1] == pytest.approx(0.0, abs=1e-6)


def test_minimum_names_spreads_the_book():
    alpha, model, _, _ = _book_problem()
    concentrated = optimize(alpha * 20, model, Limits(max_weight=0.2), 1.0)
    spread = optimize(alpha * 20, model, Limits(max_weight=0.2, min_names=40), 1.0)
    assert (concentrated != 0).sum() < 40 <= (spread != 0).sum()
    assert spread.sum() == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(InfeasiblePortfolio, match="minimum names 200 but only 120 candidates"):
        optimize(alpha, model, Limits(max_weight=0.2, min_names=200), 1.0)


def test_long_only_beta_neutral_names_the_conflict():
    alpha, model, betas, _ = _book_problem()
    with pytest.raises(InfeasiblePortfolio, match=r"beta-neutral band 0.05 with long-only .* lowest reachable beta"):
        optimize(alpha, model, Limits(max_weight=0.05, beta_band=0.05), 1.0, Book(betas=np.abs(betas) + 0.2))


def test_forced_turnover_beyond_the_limit_names_the_conflict():
    alpha, model, _, _ = _book_problem()
    book = Book(previous=np.zeros(len(alpha)), forced_turnover=0.6)
    with pytest.raises(InfeasiblePortfolio, match=r"max turnover 0\.5 is below the 0\.6 forced"):
        optimize(alpha, model, replace(LONG_SHORT, max_turnover=0.5), 1.0, book)


def test_solver_infeasibility_is_diagnosed_by_constraint_name():
    alpha, model, _, sectors = _book_problem()
    previous = np.where(sectors == 0, 0.05, 0.0)
    previous[sectors == 1] = -0.05
    limits = replace(LONG_SHORT, sector_band=0.01, max_turnover=0.2)
    with pytest.raises(InfeasiblePortfolio, match=r"infeasible: sector band / max turnover conflict\(s\)"):
        optimize(alpha, model, limits, 1.0, Book(sectors=sectors, previous=previous))


@pytest.mark.parametrize("long_only,max_turnover", [(False, 0.8), (True, 0.8), (False, None)])
def test_every_constraint_matches_the_textbook_cvxpy_problem(long_only, max_turnover):
    """The shared |w| and |w - previous| variables give the optimum of the problem written with norms and a full
    covariance, every constraint binding or near it (the cost only moves the optimum where no turnover limit binds)."""
    import cvxpy as cp

    alpha, model, betas, sectors = _book_problem()
    covariance = model.loadings @ model.factor_covariance @ model.loadings.T + np.diag(model.specific_variance)
    net, gross = (1.0, 1.0) if long_only else (0.0, 2.0)
    limits = Limits(
        long_only,
        net,
        gross,
        0.05,
        sector_band=0.03,
        beta_band=0.05 if not long_only else 0.9,
        max_turnover=max_turnover,
        min_names=25,
    )
    held = Book(sectors=sectors, betas=betas)  # the book before: the same limits, the opposite view
    previous = optimize(-alpha * 5, model, replace(limits, max_turnover=None), 1.0, held)
    book = replace(held, previous=previous, turnover_cost=0.1)
    w, n, cap = cp.Variable(120), 120, limits.name_cap()
    indicator = (sectors[None, :] == np.unique(sectors)[:, None]).astype(float)
    textbook = cp.Problem(
        cp.Maximize(5 * alpha @ w - cp.quad_form(w, covariance) - 0.1 * cp.norm1(w - previous)),
        [
            cp.sum(w) == net,
            cp.norm1(w) <= gross,
            cp.abs(w) <= cap,
            *([w >= 0] if long_only else []),
            cp.abs(indicator @ w - net * indicator.sum(axis=1) / n) <= 0.03,
            cp.abs(betas @ w) <= limits.beta_band,
            *([cp.norm1(w - previous) <= max_turnover] if max_turnover else []),
        ],
    )
    textbook.solve(solver=cp.CLARABEL)
    ours = optimize(alpha * 5, model, limits, 1.0, book)
    if max_turnover:
        assert np.abs(ours - previous).sum() == pytest.approx(max_turnover, abs=1e-3)  # the limit binds
    assert np.allclose(ours, np.where(np.abs(w.value) < 1e-4, 0.0, w.value), atol=2e-3)

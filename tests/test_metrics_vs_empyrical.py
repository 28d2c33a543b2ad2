"""Our metrics against empyrical-reloaded, the reference implementation, to 1e-9."""

import numpy as np
import pandas as pd
import pytest

from quant.backtest import metrics

empyrical = pytest.importorskip("empyrical")


@pytest.fixture(params=[0, 1, 2])
def series(request):
    rng = np.random.default_rng(request.param)
    days = pd.bdate_range("2015-01-02", periods=700)
    benchmark = rng.normal(0.0004, 0.01, len(days))
    strategy = 0.8 * benchmark + rng.normal(0.0002, 0.006, len(days))
    return pd.Series(strategy, index=days), pd.Series(benchmark, index=days)


def test_single_series_metrics_agree(series):
    r, _ = series
    pairs = {
        "cagr": (metrics.cagr(r.to_numpy()), empyrical.annual_return(r)),
        "volatility": (metrics.annual_volatility(r.to_numpy()), empyrical.annual_volatility(r)),
        "sharpe": (metrics.sharpe_ratio(r.to_numpy()), empyrical.sharpe_ratio(r)),
        "sortino": (metrics.sortino_ratio(r.to_numpy()), empyrical.sortino_ratio(r)),
        "max_drawdown": (metrics.max_drawdown(r.to_numpy()), empyrical.max_drawdown(r)),
        "calmar": (metrics.calmar_ratio(r.to_numpy()), empyrical.calmar_ratio(r)),
        "total_return": (metrics.total_return(r.to_numpy()), empyrical.cum_returns_final(r)),
    }
    for name, (ours, reference) in pairs.items():
        assert ours == pytest.approx(float(reference), abs=1e-9, rel=1e-9), name


def test_benchmark_relative_metrics_agree(series):
    r, b = series
    alpha, beta = metrics.alpha_beta(r.to_numpy(), b.to_numpy())
    reference_alpha, reference_beta = empyrical.alpha_beta(r, b)
    assert alpha == pytest.approx(reference_alpha, abs=1e-9)
    assert beta == pytest.approx(reference_beta, abs=1e-9)
    information = metrics.information_ratio(r.to_numpy(), b.to_numpy())
    assert information == pytest.approx(empyrical.excess_sharpe(r, b) * np.sqrt(252), abs=1e-9)

import math

import numpy as np
import pytest

from quant.backtest import metrics


def test_metrics_equal_hand_computed_values():
    r = np.array([0.01, -0.02, 0.03])
    wealth = [1.01, 1.01 * 0.98, 1.01 * 0.98 * 1.03]
    assert metrics.total_return(r) == pytest.approx(wealth[-1] - 1, abs=1e-15)
    assert metrics.cagr(r) == pytest.approx(wealth[-1] ** (252 / 3) - 1, rel=1e-12)
    mean = (0.01 - 0.02 + 0.03) / 3
    std = math.sqrt(((0.01 - mean) ** 2 + (-0.02 - mean) ** 2 + (0.03 - mean) ** 2) / 2)
    assert metrics.annual_volatility(r) == pytest.approx(std * math.sqrt(252), rel=1e-12)
    assert metrics.sharpe_ratio(r) == pytest.approx(mean / std * math.sqrt(252), rel=1e-12)
    assert metrics.max_drawdown(r) == pytest.approx(wealth[1] / wealth[0] - 1, rel=1e-12)


def test_drawdown_counts_a_loss_from_the_start():
    assert metrics.max_drawdown(np.array([-0.1, 0.05])) == pytest.approx(-0.1)
    assert metrics.max_drawdown(np.array([0.1, 0.1])) == 0.0


def test_degenerate_series():
    assert math.isnan(metrics.sharpe_ratio(np.array([0.01])))
    assert math.isnan(metrics.sharpe_ratio(np.array([0.01, 0.01])))
    assert math.isnan(metrics.cagr(np.array([])))

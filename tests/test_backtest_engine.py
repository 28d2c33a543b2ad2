import numpy as np
import pandas as pd
import pytest

from quant.backtest.engine import Costs, simulate
from quant.calendar import trading_days

FREE = Costs(0.0, 0.0)


def _returns(values: dict[str, list[float]]) -> pd.DataFrame:
    days = trading_days("2017-01-03", "2017-01-31")[: len(next(iter(values.values())))]
    return pd.DataFrame(values, index=days)


def test_targets_trade_at_the_next_close_and_earn_from_the_day_after():
    returns = _returns({"A": [0.5, 0.5, 0.10, -0.05], "B": [0.5, 0.5, 0.0, 0.0]})
    day0 = returns.index[0]
    sim = simulate({day0: pd.Series({"A": 1.0})}, returns, FREE)
    daily = sim.daily.set_index("date")["gross_return"]
    assert list(daily.index) == list(returns.index[1:])  # trading starts the session after the signal
    assert daily.iloc[0] == 0.0  # the trade day's own move is not earned
    assert daily.iloc[1] == pytest.approx(0.10)
    assert daily.iloc[2] == pytest.approx(-0.05)
    assert sim.profitable_trades == 1 and sim.losing_trades == 0


def test_costs_and_turnover_follow_drifted_weights():
    returns = _returns({"A": [0.0, 0.0, 0.10, 0.0, 0.0], "B": [0.0, 0.0, 0.0, 0.0, 0.0]})
    d = returns.index
    targets = {d[0]: pd.Series({"A": 0.5, "B": 0.5}), d[2]: pd.Series({"A": 0.5, "B": 0.5})}
    sim = simulate(targets, returns, Costs(commission_bps=4.0, slippage_bps=6.0))
    daily = sim.daily.set_index("date")
    assert daily.loc[d[1], "turnover"] == pytest.approx(1.0)
    assert daily.loc[d[1], "cost"] == pytest.approx(0.001)
    assert daily.loc[d[1], "commission"] == pytest.approx(0.0004)
    assert daily.loc[d[1], "slippage"] == pytest.approx(0.0006)
    assert np.allclose(daily["commission"] + daily["slippage"], daily["cost"])
    drifted_a = 0.55 / 1.05
    assert daily.loc[d[3], "turnover"] == pytest.approx(2 * (drifted_a - 0.5))
    assert daily.loc[d[2], "gross_return"] == pytest.approx(0.05)
    net = (1 + daily["gross_return"]) * (1 - daily["cost"]) - 1
    assert np.allclose(daily["net_return"], net)
    assert sim.rebalance_turnover == pytest.approx([2 * (drifted_a - 0.5)])


def test_no_targets_no_rows():
    returns = _returns({"A": [0.01, 0.02]})
    assert simulate({}, returns, Costs()).daily.empty


def test_a_dollar_neutral_book_earns_the_spread():
    returns = _returns({"A": [0.0, 0.0, 0.02, 0.01], "B": [0.0, 0.0, -0.03, 0.0]})
    d = returns.index
    sim = simulate({d[0]: pd.Series({"A": 0.5, "B": -0.5})}, returns, FREE)
    daily = sim.daily.set_index("date")["gross_return"]
    assert daily.loc[d[2]] == pytest.approx(0.5 * 0.02 + 0.5 * 0.03)
    value = 1 + 0.5 * 0.02 + 0.5 * 0.03
    assert daily.loc[d[3]] == pytest.approx(0.5 * 1.02 * 0.01 / value)
    assert sim.profitable_trades == 2 and sim.losing_trades == 0

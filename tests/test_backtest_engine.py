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


def _priced(returns: pd.DataFrame, last_bar: dict[str, int]) -> pd.DataFrame:
    """All priced, except each named ticker after its last bar (row index)."""
    priced = pd.DataFrame(True, index=returns.index, columns=returns.columns)
    for ticker, row in last_bar.items():
        priced.iloc[row + 1 :, priced.columns.get_loc(ticker)] = False
    return priced


def test_a_name_without_a_price_on_the_trade_day_is_not_bought():
    """Issue 10: LVLT's last bar was 2017-10-31 and a strategy bought it for 2017-11-01 at the stale close."""
    returns = _returns({"A": [0.0, 0.0, 0.01, 0.01], "GONE": [0.0, 0.0, 0.0, 0.0]})
    d = returns.index
    priced = _priced(returns, {"GONE": 0})
    sim = simulate({d[0]: pd.Series({"A": 0.5, "GONE": 0.5})}, returns, FREE, priced)
    daily = sim.daily.set_index("date")
    assert daily.loc[d[1], "turnover"] == pytest.approx(0.5)  # only A traded; GONE's half stays cash
    assert daily.loc[d[2], "gross_return"] == pytest.approx(0.005)
    unfilled = sim.events[sim.events["event"] == "unfilled"]
    assert unfilled[["date", "ticker"]].values.tolist() == [[d[1], "GONE"]]
    assert unfilled["weight"].iloc[0] == pytest.approx(0.5) and "no price" in unfilled["detail"].iloc[0]
    assert sim.profitable_trades == 1 and sim.losing_trades == 0  # no trade booked in GONE


def test_a_held_name_that_stops_trading_leaves_at_its_last_price_and_is_reported():
    returns = _returns({"A": [0.0, 0.0, 0.10, 0.0, 0.0, 0.0], "B": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]})
    returns.iloc[4:, 0] = 0.0  # what forward-filled closes give after the last bar
    d = returns.index
    priced = _priced(returns, {"A": 3})
    targets = {d[0]: pd.Series({"A": 0.5, "B": 0.5}), d[4]: pd.Series({"A": 0.5, "B": 0.5})}
    sim = simulate(targets, returns, FREE, priced)
    daily = sim.daily.set_index("date")
    assert daily.loc[d[2], "gross_return"] == pytest.approx(0.05)
    assert daily.loc[d[4], "gross_return"] == 0.0  # exit at the last price
    delisted = sim.events[sim.events["event"] == "delisted"]
    assert delisted[["date", "ticker"]].values.tolist() == [[d[4], "A"]]
    assert delisted["weight"].iloc[0] == pytest.approx(0.55 / 1.05)
    assert "last price 2017-01-06" in delisted["detail"].iloc[0]
    # the rebalance after the exit cannot buy A back, and selling it is no trade: its value is cash already
    assert daily.loc[d[5], "turnover"] == pytest.approx(abs(0.5 - 0.5 / 1.05))
    assert sim.events[sim.events["event"] == "unfilled"]["ticker"].tolist() == ["A"]


def test_a_delisting_return_is_taken_on_the_exit_day():
    returns = _returns({"A": [0.0, 0.0, 0.0, 0.0, 0.0], "B": [0.0, 0.0, 0.0, 0.0, 0.0]})
    d = returns.index
    priced = _priced(returns, {"A": 2})
    sim = simulate({d[0]: pd.Series({"A": 0.5, "B": 0.5})}, returns, FREE, priced, delisting_return=-0.3)
    daily = sim.daily.set_index("date")["gross_return"]
    assert daily.loc[d[3]] == pytest.approx(-0.15) and daily.loc[d[4]] == 0.0
    assert "-30.00%" in sim.events["detail"].iloc[0]
    assert sim.losing_trades == 1


def test_a_name_priced_on_the_last_day_never_exits():
    returns = _returns({"A": [0.0, 0.01, 0.01]})
    priced = pd.DataFrame(True, index=returns.index, columns=returns.columns)
    priced.iloc[1, 0] = False  # a halt, not a delisting: it trades again
    sim = simulate({returns.index[0]: pd.Series({"A": 1.0})}, returns, FREE, priced)
    assert sim.events.empty or (sim.events["event"] != "delisted").all()

"""The investor portfolio generator: whole shares, leftover cash, trades, holding period."""

import pandas as pd
import pytest

from quant.investor_plan import plan

TARGETS = pd.DataFrame({"ticker": ["AAA", "BBB", "CCC"], "weight": [0.5, 0.3, 0.2]})
PRICES = pd.Series({"AAA": 100.0, "BBB": 33.0, "CCC": 7.0, "OLD": 50.0})
AS_OF = pd.Timestamp("2017-11-10")


def test_lump_sum_buys_whole_shares_and_keeps_the_rest_as_cash():
    result = plan(TARGETS, PRICES, 10_000, "lump_sum", pd.Series(dtype=float), AS_OF, "month_end")
    shares = result.holdings.set_index("ticker")["shares"]
    assert shares.to_dict() == {"AAA": 50, "BBB": 90, "CCC": 285}
    assert result.cash_left == pytest.approx(10_000 - 50 * 100 - 90 * 33 - 285 * 7)
    assert 0 <= result.cash_left < 100
    assert result.hold_until == pd.Timestamp("2017-11-30")


def test_trades_go_from_current_holdings_to_the_target():
    current = pd.Series({"AAA": 10.0, "OLD": 20.0})
    result = plan(TARGETS, PRICES, 5_000, "lump_sum", current, AS_OF, "month_end").holdings.set_index("ticker")
    assert result.loc["OLD", "trade_shares"] == -20 and result.loc["OLD", "shares"] == 0
    wealth = 5_000 + 10 * 100 + 20 * 50
    assert result.loc["AAA", "shares"] == wealth * 0.5 // 100 == 35
    assert result.loc["AAA", "trade_shares"] == 35 - 10


def test_a_monthly_instalment_only_buys_and_never_overspends():
    current = pd.Series({"AAA": 60.0})
    result = plan(TARGETS, PRICES, 1_000, "sip", current, AS_OF, "month_end")
    assert (result.holdings["trade_shares"] >= 0).all()
    assert result.cash_left >= 0 and result.holdings.set_index("ticker").loc["AAA", "trade_shares"] == 0


def test_missing_prices_and_bad_input_are_refused():
    with pytest.raises(ValueError, match="no latest close"):
        plan(TARGETS, PRICES.drop("CCC"), 1_000, "lump_sum", pd.Series(dtype=float), AS_OF, "month_end")
    with pytest.raises(ValueError, match="mode"):
        plan(TARGETS, PRICES, 1_000, "weekly", pd.Series(dtype=float), AS_OF, "month_end")


def test_investor_portfolio_asset_from_run_config(project):
    from dagster import DagsterInstance, materialize

    from stratengine_assets.portfolio.investor_portfolio import investor_portfolio
    from tests.helpers import ALL_ASSETS

    rows = pd.DataFrame(
        {
            "date": AS_OF,
            "strategy_id": "lo_minvar",
            "ticker": TARGETS["ticker"],
            "weight": TARGETS["weight"],
            "rebalance_date": AS_OF,
        }
    )
    bars = pd.DataFrame({"date": AS_OF, "ticker": list(PRICES.index), "close": PRICES.to_numpy()})
    with project["warehouse"].get_connection() as conn:
        conn.register("rows", rows)
        conn.execute("INSERT INTO target_portfolio BY NAME SELECT * FROM rows")
        conn.register("bars", bars)
        conn.execute(
            "INSERT INTO prices BY NAME SELECT *, close AS open, close AS high, close AS low, 1.0 AS volume, "
            "close AS dollar_volume, 'test' AS vendor, 'test' AS source_file, 1 AS source_line FROM bars"
        )
    config = {"ops": {"investor_portfolio": {"config": {"strategy_id": "lo_minvar", "amount": 10_000.0}}}}
    result = materialize(
        ALL_ASSETS,
        selection=[investor_portfolio],
        instance=DagsterInstance.ephemeral(),
        resources=project,
        run_config=config,
    )
    metadata = result.asset_materializations_for_node("investor_portfolio")[0].metadata
    assert metadata["hold_until"].value == "2017-11-30" and 0 <= metadata["cash_left"].value < 100

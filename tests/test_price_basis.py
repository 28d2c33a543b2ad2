"""Prices and share counts on one basis: the as-traded close from the vendor or rebuilt from corporate actions,
price-times-shares factors only where it is known, and the point-in-time guard catching a mixed basis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quant.basis import (
    EARLY_PERIOD_DAYS,
    SEGMENT_COLUMNS,
    basis_matrix,
    basis_segments,
    basis_segments_of_panel,
    factor_on,
)
from quant.factors.registry import FactorInputs
from stratengine_assets.research.point_in_time import signals_point_in_time
from tests.helpers import check_context, long_factors
from tests.sandbox import Sandbox
from vendors.canonical import parse_canonical
from vendors.stooq import parse_stooq
from vendors.synthetic import SyntheticMarket
from vendors.yahoo_actions import parse_yahoo_actions

PRICE_TIMES_SHARES = ("size", "book_to_price", "earnings_yield")


def test_corporate_actions_rebuild_the_as_traded_close_of_adjusted_only_prices(tmp_path):
    market = SyntheticMarket(20, 600, seed=7)
    stooq = pd.concat([parse_stooq(path) for path in market.write_stooq(tmp_path)])
    actions = pd.concat([parse_yahoo_actions(path) for path in market.write_actions(tmp_path)])
    assert (actions["split_ratio"] != 1).sum() >= 3 and (actions["dividend"] > 0).sum() >= 30
    segments, missing = basis_segments(stooq, actions, set(market.names.tickers))
    truth = market.history_frame(market.history_days[-1])
    expected = (
        truth.pivot(index="date", columns="ticker", values="close")
        / truth.pivot(index="date", columns="ticker", values="adj_close")
    ).reindex(index=market.history_days, columns=market.names.tickers)
    found = basis_matrix(segments, market.history_days, pd.Index(market.names.tickers))
    known = np.isfinite(expected.to_numpy())
    assert missing == {} and np.allclose(found[known], expected.to_numpy()[known], rtol=1e-12, atol=0)
    canonical = pd.concat([parse_canonical(path) for path in market.write_history(tmp_path / "canonical")])
    from_as_traded, _ = basis_segments(canonical, actions.iloc[0:0], set())
    assert len(from_as_traded) == len(segments)  # one run per stretch between two actions, either way


def test_yahoo_dividends_are_restated_as_paid(tmp_path):
    path = tmp_path / "AAPL.csv"
    path.write_text("Date,Dividends,Stock Splits\n2014-05-08,0.47,0.0\n2014-06-09,0.0,7.0\n2014-08-07,0.47,0.0\n")
    rows = parse_yahoo_actions(path)
    assert rows["dividend"].tolist() == pytest.approx([3.29, 0.0, 0.47])  # $3.29 paid per pre-split share
    assert rows["split_ratio"].tolist() == [1.0, 7.0, 1.0]
    empty = tmp_path / "CRM.csv"
    empty.write_text("Date,Dividends,Stock Splits\n")
    assert parse_yahoo_actions(empty).empty  # a header only: a ticker with no actions


def _size_and_value(sandbox: Sandbox) -> pd.DataFrame:
    return sandbox.query(
        f"SELECT date, ticker, factor, raw_value FROM {long_factors()} WHERE factor <> 'adv_21d' ORDER BY ALL"
    )


@pytest.fixture(scope="module")
def canonical(tmp_path_factory) -> Sandbox:
    sandbox = Sandbox(tmp_path_factory.mktemp("canonical"))
    sandbox.synth(names=10, days=300, seed=5)
    assert not sandbox.update().failed
    return sandbox


def test_adjusted_only_prices_get_price_times_shares_factors_once_actions_land(canonical, tmp_path):
    sandbox = Sandbox(tmp_path / "stooq")
    market = sandbox.synth(names=10, days=300, seed=5, prices="stooq")
    outcome = sandbox.update()
    assert not outcome.failed
    held = sandbox.query(f"SELECT DISTINCT factor FROM {long_factors()}")["factor"]
    assert not set(PRICE_TIMES_SHARES) & set(held)  # no basis: not computed, never on mixed bases
    without = sandbox.latest_materialization_metadata("factors")["names_without_price_basis"]
    assert without == sandbox.query("SELECT count(DISTINCT ticker) AS n FROM universe")["n"][0] > 0
    market.write_actions(sandbox.landing)
    outcome = sandbox.update()
    steps = {step.name: step.count for plan in outcome.plans for step in plan.steps}
    assert steps["corporate_actions"] == steps["price_basis"] == 10 and "factors" in steps
    ours, theirs = _size_and_value(sandbox), _size_and_value(canonical)
    assert set(PRICE_TIMES_SHARES) <= set(ours["factor"])
    assert differences_in(ours, theirs) == ""  # the same market caps as from the vendor's as-traded closes


def differences_in(a: pd.DataFrame, b: pd.DataFrame) -> str:
    from storage.compare import comparable, table_difference

    return table_difference(comparable(a), comparable(b), 1e-9) or ""


def test_market_cap_moves_with_the_price_through_splits(canonical):
    caps = canonical.query(
        "SELECT f.ticker, f.date, exp(f.size__raw_value) AS cap, p.close FROM factors f JOIN prices p "
        "USING (date, ticker) WHERE f.size__raw_value IS NOT NULL ORDER BY 1, 2"
    )
    events = canonical.query("SELECT ticker, known_at AS date FROM fundamentals WHERE metric = 'shares_outstanding'")
    caps["cap_move"] = caps.groupby("ticker")["cap"].pct_change() + 1
    caps["price_move"] = caps.groupby("ticker")["close"].pct_change() + 1
    report = caps.merge(events.assign(report=True), on=["ticker", "date"], how="left")
    quiet = report[report["report"].isna() & report["cap_move"].notna()]
    splits = canonical.query("SELECT count(*) AS n FROM prices WHERE as_traded_close / close > 1.2")["n"][0]
    assert splits > 0  # the market has split names, their earlier closes scaled down
    assert np.allclose(quiet["cap_move"], quiet["price_move"], rtol=1e-9)  # no jump without a share event
    on_reports = report[report["report"].notna() & report["cap_move"].notna()]
    assert on_reports["cap_move"].between(1 / 1.5, 1.5).all()  # a report re-bases the shares, not by a split


def test_the_point_in_time_guard_catches_prices_and_shares_on_mixed_bases(canonical, monkeypatch):
    with canonical.opened() as (_, resources, _):
        honest = signals_point_in_time(check_context(warehouse=resources["warehouse"]))
        monkeypatch.setattr(FactorInputs, "market_cap", lambda x: x.close * x.fundamental("shares_outstanding"))
        mixed = signals_point_in_time(check_context(warehouse=resources["warehouse"]))
    assert honest.passed and not mixed.passed
    assert mixed.metadata["signals_differing"].value > 0


NON_PAYERS = ("cmg", "ilmn", "pcln", "fslr", "mtd", "kmx")
REAL_NAMES = ("crm", "jpm", *NON_PAYERS)


def test_real_crm_market_cap_runs_through_its_split(real_data, tmp_path):
    """CRM split 4:1 on 2013-04-18 (ex-date) and pays no dividend: its Stooq closes are adjusted for the split, its
    FY2013 10-K (period end 2013-01-31, known from 2013-05-01) reports the pre-split count."""
    sandbox = Sandbox(tmp_path / "project")
    for name in REAL_NAMES:
        lines = (real_data / "prices_stooq" / f"{name}.us.txt").read_text().splitlines()
        excerpt = [line for line in lines[1:] if "2012-12-01" <= line[:10] <= "2014-07-31"]
        sandbox.write(f"prices/stooq/{name}.us.txt", "\n".join([lines[0], *excerpt]) + "\n")
    sandbox.write("securities/sp500_master/securities.csv", (real_data / "securities.csv").read_text())
    facts = pd.read_csv(real_data / "fundamentals_annual.csv")
    facts = facts[facts["Ticker Symbol"].isin([n.upper() for n in REAL_NAMES])]
    sandbox.write("fundamentals/annual_csv/fundamentals.csv", facts.to_csv(index=False))
    sandbox.write("corporate_actions/yahoo_actions/CRM.csv", "Date,Dividends,Stock Splits\n2013-04-18,0.0,4.0\n")
    for name in NON_PAYERS:  # neither split nor paid a dividend in the excerpt: a header only
        sandbox.write(f"corporate_actions/yahoo_actions/{name.upper()}.csv", "Date,Dividends,Stock Splits\n")
    assert not sandbox.update().failed
    caps = sandbox.query(
        "SELECT ticker, date, exp(size__raw_value) AS cap FROM factors WHERE size__raw_value IS NOT NULL ORDER BY 2"
    )
    # JPM: adjusted prices only and no corporate actions, so no size
    assert set(caps["ticker"]) == {"CRM", *(n.upper() for n in NON_PAYERS)}
    crm = caps[caps["ticker"] == "CRM"].set_index("date")["cap"]
    assert 15e9 < crm[pd.Timestamp("2013-06-03")] < 35e9  # about $42 x 590 M shares, not a quarter of it
    moves = crm / crm.shift(1)
    assert moves.dropna().between(1 / 1.5, 1.5).all()  # the FY2014 report (4x the shares) on 2014-05-01 too
    assert abs(moves[pd.Timestamp("2014-05-01")] - 1) > 0  # the report did re-base the shares


def _segments(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["ticker", "first_date", "last_date", "factor"]).assign(source="as_traded")
    return frame.astype({"first_date": "datetime64[ns]", "last_date": "datetime64[ns]"})


def test_the_first_day_f_changes_is_found_from_the_segments():
    from stratengine_assets.ingestion.price_basis import first_change

    old = _segments([("A", "2017-01-03", "2017-03-31", 2.0), ("A", "2017-04-03", "2017-06-30", 1.0)])
    extended = _segments([("A", "2017-01-03", "2017-03-31", 2.0), ("A", "2017-04-03", "2017-07-03", 1.0)])
    assert first_change(old, extended) == pd.Timestamp("2017-07-01")  # the new day only (the day after the old end)
    assert first_change(old, old) is None
    split_moved = _segments([("A", "2017-01-03", "2017-02-28", 2.0), ("A", "2017-03-01", "2017-06-30", 1.0)])
    assert first_change(old, split_moved) == pd.Timestamp("2017-03-01")
    new_name = pd.concat([old, _segments([("B", "2016-05-02", "2017-06-30", 1.5)])], ignore_index=True)
    assert first_change(old, new_name) == pd.Timestamp("2016-05-02")
    assert first_change(new_name, old) == pd.Timestamp("2016-05-02")  # a name that lost its basis


def _factor_on_one_by_one(segments: pd.DataFrame, ticker: str, date: pd.Timestamp) -> float:
    """The rule factor_on states, for one ask: the latest segment starting on or before the date, else the first
    one if it starts at most EARLY_PERIOD_DAYS after the date."""
    own = segments[segments["ticker"] == ticker].sort_values("first_date")
    started = own[own["first_date"] <= date]
    if len(started):
        return float(started["factor"].iloc[-1])
    if len(own) and (own["first_date"].iloc[0] - date).days <= EARLY_PERIOD_DAYS:
        return float(own["factor"].iloc[0])
    return float("nan")


def test_factor_on_answers_every_ask_as_the_one_by_one_rule():
    rng = np.random.default_rng(3)
    rows = []
    for ticker in ["A", "B", "C", "D"]:
        start = pd.Timestamp("2015-01-05") + pd.Timedelta(days=int(rng.integers(0, 60)))
        for k in range(int(rng.integers(1, 5))):
            first = start + pd.Timedelta(days=90 * k)
            rows.append((ticker, str(first.date()), str((first + pd.Timedelta(days=80)).date()), float(k + 1)))
    segments = _segments(rows).sample(frac=1.0, random_state=1)  # factor_on must not rely on the rows' order
    tickers = pd.Series(rng.choice(["A", "B", "C", "D", "Z"], 400))
    dates = pd.Series(pd.Timestamp("2014-12-01") + pd.to_timedelta(rng.integers(0, 500, 400), unit="D"))
    dates.iloc[0] = pd.NaT
    found = factor_on(segments, tickers, dates)
    expected = [
        float("nan") if pd.isna(d) else _factor_on_one_by_one(segments, t, d)
        for t, d in zip(tickers, dates, strict=True)
    ]
    assert np.array_equal(found, np.array(expected), equal_nan=True)
    assert np.isfinite(found).sum() > 100 and np.isnan(found[tickers.to_numpy() == "Z"]).all()


def test_segments_of_a_panel_with_no_basis_anywhere_are_empty_and_every_name_is_listed():
    days = pd.bdate_range("2020-01-02", periods=4)
    close = np.array([[10.0, 20.0], [11.0, np.nan], [12.0, 21.0], [np.nan, 22.0]])
    as_traded = np.full(close.shape, np.nan)
    as_traded[:, 1] = close[:, 1] * 2  # only the second name ships as-traded closes
    none, missing = basis_segments_of_panel(
        days, pd.Index(["AAA", "BBB"]), close, np.full(close.shape, np.nan), pd.DataFrame(), set()
    )
    assert none.empty and list(none.columns) == SEGMENT_COLUMNS and set(missing) == {"AAA", "BBB"}
    some, missing = basis_segments_of_panel(days, pd.Index(["AAA", "BBB"]), close, as_traded, pd.DataFrame(), set())
    assert set(missing) == {"AAA"}
    assert some.to_dict("records") == [
        {"ticker": "BBB", "first_date": days[0], "last_date": days[3], "factor": 2.0, "source": "as_traded"}
    ]  # one run over the name's own rows, its missing day skipped

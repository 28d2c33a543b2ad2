"""The synthetic vendor: deterministic, realistic enough, and readable by the product's own parsers."""

from pathlib import Path

import numpy as np
import pandas as pd

from vendors.annual_csv import parse_annual_fundamentals
from vendors.canonical import parse_canonical
from vendors.sp500_master import parse_securities
from vendors.synthetic import SyntheticMarket


def _history(market: SyntheticMarket, folder: Path) -> pd.DataFrame:
    return pd.concat([parse_canonical(p) for p in market.write_history(folder)], ignore_index=True)


def test_same_seed_same_files_and_longer_markets_extend_shorter_ones(tmp_path):
    a = _history(SyntheticMarket(60, 300, seed=7), tmp_path / "a")
    b = _history(SyntheticMarket(60, 300, seed=7), tmp_path / "b")
    longer = _history(SyntheticMarket(60, 301, seed=7), tmp_path / "c")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, longer[longer["date"] <= a["date"].max()].reset_index(drop=True))


def test_prices_are_consistent_with_gaps_delistings_and_realistic_volatility(tmp_path):
    market = SyntheticMarket(400, 600, seed=3)
    rows = _history(market, tmp_path)
    assert (rows["high"] >= rows[["open", "close"]].max(axis=1)).all()
    assert (rows["low"] <= rows[["open", "close"]].min(axis=1)).all() and (rows["low"] > 0).all()
    per_name = rows.groupby("ticker")["date"].agg(["count", "max"])
    assert (per_name["max"] < market.history_days[-1]).sum() > 0  # some names delisted
    assert 400 * 600 - len(rows) > 0  # and some name-days are missing
    wide = rows.pivot(index="date", columns="ticker", values="close")
    vol = np.log(wide).diff().std() * np.sqrt(252)
    assert 0.15 < vol.median() < 0.55


def test_reference_files_parse(tmp_path):
    market = SyntheticMarket(30, 260, seed=1)
    securities = parse_securities(market.write_securities(tmp_path))
    filings = parse_annual_fundamentals(market.write_fundamentals(tmp_path))
    assert securities["ticker"].notna().all() and securities["sector"].nunique() > 3
    assert set(filings["ticker"]) == set(securities["ticker"]) and filings["period_end"].notna().all()

"""A fundamentals value is invisible to every factor before its known-at date."""

from pathlib import Path

import pandas as pd
from dagster import DagsterInstance, materialize

from partitions.definitions import add_tickers
from stratengine_assets.common.ticker_range import ticker_range_tags
from stratengine_assets.ingestion.fundamentals import fundamentals
from stratengine_assets.research.factors import factors
from tests.helpers import ALL_ASSETS, random_walk, range_context, register, with_settings

TICKERS = ["AAA", "BBB", "CCC", "DDD"]
HEADER = (
    "Ticker Symbol,Period Ending,For Year,Total Equity,Net Income,Total Revenue,Gross Profit,Total Assets,"
    "Estimated Shares Outstanding,Earnings Per Share"
)


def _land_fundamentals(project) -> None:
    path = Path(project["landing_zone"].root) / "fundamentals" / "annual_csv" / "fundamentals_annual.csv"
    path.parent.mkdir(parents=True)
    rows = [
        f"{t},12/31/2016,2016,{1e9 * (i + 1)},{1e8 * (i + 1)},5e9,2e9,4e9,{1e8 * (i + 2)},1.0"
        for i, t in enumerate(TICKERS)
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n")


def _seed_prices_and_universe(project) -> None:
    days = pd.date_range("2017-03-27", "2017-04-05", freq="B")
    with project["warehouse"].get_connection() as conn:
        for i, ticker in enumerate(TICKERS):
            closes = random_walk("2016-01-04", "2017-04-05", seed=i)
            frame = pd.DataFrame(
                {
                    "date": closes.index,
                    "ticker": ticker,
                    "open": closes,
                    "high": closes,
                    "low": closes,
                    "close": closes,
                    "volume": 1e6,
                    "dollar_volume": closes * 1e6,
                    "vendor": "test",
                    "source_file": "test",
                    "source_line": 0,
                }
            )
            conn.register("frame", frame)
            conn.execute("INSERT INTO prices BY NAME SELECT * FROM frame")
            members = pd.DataFrame({"date": days, "ticker": ticker, "close": 1.0, "adv21": 1e7, "history_days": 252})
            conn.register("members", members)
            conn.execute("INSERT INTO universe BY NAME SELECT * FROM members")
            conn.execute(  # as-traded closes: F = 1 throughout, so price-times-shares factors are computed
                "INSERT INTO price_basis VALUES (?, ?, ?, 1.0, 'as_traded')",
                [ticker, closes.index[0], closes.index[-1]],
            )


def _ingest_fundamentals(project, monkeypatch, lag_days: int) -> None:
    """Land the annual file and materialize `fundamentals` for every ticker with the given reporting lag."""
    monkeypatch.setenv("STRATENGINE_FUNDAMENTALS_LAG_DAYS", str(lag_days))
    _land_fundamentals(project)
    instance = DagsterInstance.ephemeral()
    add_tickers(instance, TICKERS)
    tags = ticker_range_tags(TICKERS[0], TICKERS[-1])
    resources = with_settings(project)
    register(resources, instance)
    assert materialize(ALL_ASSETS, selection=[fundamentals], instance=instance, resources=resources, tags=tags).success


def test_fundamentals_unused_before_known_at(project, monkeypatch):
    _ingest_fundamentals(project, monkeypatch, lag_days=90)
    _seed_prices_and_universe(project)

    factors(range_context("2017-03-27", "2017-04-05", warehouse=project["warehouse"]))
    with project["warehouse"].get_connection() as conn:
        known = conn.execute("SELECT DISTINCT known_at FROM fundamentals").fetchall()
        value_days = conn.execute(
            "SELECT DISTINCT date FROM factors WHERE coalesce(book_to_price__zscore, roe__zscore, size__zscore) "
            "IS NOT NULL ORDER BY 1"
        ).df()["date"]
        price_days = conn.execute("SELECT DISTINCT date FROM factors WHERE reversal_1m__zscore IS NOT NULL").df()[
            "date"
        ]
    assert known == [(pd.Timestamp("2017-03-31").date(),)]  # 2016-12-31 + 90 days
    assert value_days.min() == pd.Timestamp("2017-03-31")  # first day the filing may be used
    assert price_days.min() == pd.Timestamp("2017-03-27")  # price factors existed all along


def test_lag_is_configurable(project, monkeypatch):
    _ingest_fundamentals(project, monkeypatch, lag_days=45)
    with project["warehouse"].get_connection() as conn:
        gaps = conn.execute("SELECT DISTINCT known_at - period_end FROM fundamentals").fetchall()
    assert gaps == [(45,)]

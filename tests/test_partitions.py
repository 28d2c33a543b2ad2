import datetime as dt

import pandas as pd
import pytest
from dagster import BackfillPolicy, TimeWindowPartitionsDefinition

from partitions import tickers_partitions, trading_day_partitions
from quant.calendar import month_end_trading_days, next_trading_day, shift_trading_days, trading_days
from stratengine_assets.ingestion.fundamentals import fundamentals
from stratengine_assets.portfolio.jobs import DAILY_ASSETS


def test_holidays_and_weekends_are_not_partitions():
    keys = set(trading_day_partitions.get_partition_keys())
    assert "2017-07-04" not in keys  # Independence Day
    assert "2012-10-29" not in keys and "2012-10-30" not in keys  # Hurricane Sandy closures
    assert "2018-12-05" not in keys  # national day of mourning
    assert "2017-11-11" not in keys  # Saturday
    assert "2017-07-03" in keys and "2017-07-05" in keys


def test_partition_after_friday_is_next_monday():
    assert trading_day_partitions.get_next_partition_key("2017-11-10") == "2017-11-13"
    assert trading_day_partitions.get_next_partition_key("2017-07-03") == "2017-07-05"
    assert next_trading_day("2017-11-10") == pd.Timestamp("2017-11-13")


def test_calendar_matches_spy_trading_days(real_data):
    spy = pd.read_csv(real_data / "prices_stooq" / "spy.us.txt", parse_dates=["Date"])["Date"]
    calendar = trading_days("2010-01-04", "2017-11-10")
    assert set(spy) <= set(calendar)
    assert set(calendar) - set(spy) == {pd.Timestamp("2011-02-17")}  # a day missing from the vendor file


@pytest.mark.parametrize("n", [1, 5, 21, 252, 262, 1000, 2520])
def test_shift_matches_counting_sessions(n):
    sessions = trading_days("1995-01-01", "2032-12-31")
    for anchor in ["2017-11-13", "2012-12-31", "2019-12-06"]:
        at = sessions.get_loc(pd.Timestamp(anchor))
        assert shift_trading_days(anchor, -n) == sessions[at - n]
        assert shift_trading_days(anchor, n) == sessions[at + n]


def test_shift_and_month_ends():
    assert shift_trading_days("2017-11-13", -1) == pd.Timestamp("2017-11-10")
    assert shift_trading_days("2017-01-03", 252) == trading_days("2017-01-04", "2018-12-31")[251]
    ends = month_end_trading_days("2017-01-01", "2017-12-31")
    assert len(ends) == 12 and pd.Timestamp("2017-06-30") in ends and pd.Timestamp("2017-12-29") in ends


def test_partition_sets_stay_small():
    assert isinstance(trading_day_partitions, TimeWindowPartitionsDefinition)
    assert len(trading_day_partitions.get_partition_keys()) < 100_000
    assert fundamentals.partitions_def == tickers_partitions
    for asset in DAILY_ASSETS:
        assert asset.partitions_def == trading_day_partitions
        assert asset.backfill_policy == BackfillPolicy.single_run()


def test_exclusions_cover_the_calendar_horizon():
    horizon = dt.date.today().year + 1
    keys = trading_day_partitions.get_partition_keys(current_time=dt.datetime(horizon, 12, 31, tzinfo=dt.UTC))
    assert f"{horizon}-12-25" not in keys and f"{horizon}-01-01" not in keys

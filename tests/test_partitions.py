import datetime as dt

import numpy as np
import pandas as pd
import pytest
from dagster import BackfillPolicy, Failure, TimeWindowPartitionsDefinition

from partitions import month_key, month_span, ticker_group_partitions, trading_month_partitions
from partitions.definitions import build_trading_month_partitions
from quant.calendar import month_end_trading_days, next_trading_day, shift_trading_days, trading_days
from stratengine_assets.common.partition_range import day_bounds, pieces, spans
from stratengine_assets.common.ticker_range import ticker_bounds
from stratengine_assets.common.windows import READS, reads
from stratengine_assets.ingestion.fundamentals import fundamentals
from stratengine_assets.portfolio.jobs import DAILY_ASSETS


def test_holidays_and_weekends_are_not_trading_days():
    days = {str(d.date()) for d in trading_days("2012-01-01", "2018-12-31")}
    assert "2017-07-04" not in days  # Independence Day
    assert "2012-10-29" not in days and "2012-10-30" not in days  # Hurricane Sandy closures
    assert "2018-12-05" not in days  # national day of mourning
    assert "2017-11-11" not in days  # Saturday
    assert "2017-07-03" in days and "2017-07-05" in days


def test_session_after_friday_is_next_monday():
    assert next_trading_day("2017-11-10") == pd.Timestamp("2017-11-13")
    assert next_trading_day("2017-07-03") == pd.Timestamp("2017-07-05")


def test_partitions_are_calendar_months_through_the_current_one():
    keys = trading_month_partitions.get_partition_keys()
    assert keys[0] == "2010-01" and keys[-1] == month_key(dt.date.today())
    assert len(keys) == len(set(keys)) and "2017-07" in keys
    assert month_span("2017-07", "2017-08") == (pd.Timestamp("2017-07-01"), pd.Timestamp("2017-09-01"))
    assert month_span("2017-12", "2017-12") == (pd.Timestamp("2017-12-01"), pd.Timestamp("2018-01-01"))


def test_closed_history_ends_with_its_last_month():
    keys = build_trading_month_partitions(dt.date(2014, 1, 2), dt.date(2017, 12, 29)).get_partition_keys()
    assert keys[0] == "2014-01" and keys[-1] == "2017-12" and len(keys) == 48


@pytest.mark.parametrize(("reader", "parent"), sorted(READS))
def test_month_mappings_cover_the_day_windows(reader, parent):
    """Every session a reader's day reads lies in a month its partition mapping names: Dagster's lineage is never
    narrower than the real read (a book read from its own month is built earlier in the same pass)."""
    start, end = READS[reader, parent]
    mapping = reads(reader, parent).partition_mapping
    sessions = trading_days("2009-01-01", "2020-12-31")
    months = pd.PeriodIndex(sessions, freq="M")
    for i in range(300, len(sessions) - 300, 7):
        low, high = months[i + start].ordinal - months[i].ordinal, months[i + end].ordinal - months[i].ordinal
        own_month = reader == parent and high == 0
        assert mapping.start_offset <= low and (high <= mapping.end_offset or own_month), (sessions[i], low, high)


def test_spans_bridge_clean_days_but_never_a_held_one():
    days = trading_days("2017-01-03", "2017-01-13")  # 9 sessions
    wanted = np.array([1, 0, 1, 0, 0, 0, 1, 1, 0], dtype=bool)
    allowed = np.array([1, 1, 1, 1, 0, 1, 1, 1, 1], dtype=bool)  # the fifth day is held
    assert spans(days, wanted, allowed) == [(days[0], days[2]), (days[6], days[7])]
    assert spans(days, wanted, np.ones(9, dtype=bool)) == [(days[0], days[7])]
    assert spans(days, np.zeros(9, dtype=bool), allowed) == []


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
    assert isinstance(trading_month_partitions, TimeWindowPartitionsDefinition)
    assert len(trading_month_partitions.get_partition_keys()) < 1_000  # 1962 to today is about 780 months
    assert fundamentals.partitions_def == ticker_group_partitions  # 36 groups, not a partition per ticker
    for asset in DAILY_ASSETS:
        assert asset.partitions_def == trading_month_partitions
        assert asset.backfill_policy == BackfillPolicy.single_run()


@pytest.mark.parametrize("text", ["2017-01-03", "2017-01-03..", "2017-13-01..2017-12-31", "2017-02-01..2017-01-01"])
def test_a_malformed_days_tag_fails_with_the_form_it_needs(text):
    with pytest.raises(Failure, match=r"YYYY-MM-DD\.\.YYYY-MM-DD"):
        day_bounds(text)


@pytest.mark.parametrize("text", ["AAA", "aaa..bbb", "CCC..AAA", "A;B..C"])
def test_a_malformed_tickers_tag_fails_with_the_form_it_needs(text):
    with pytest.raises(Failure, match="two tickers in order"):
        ticker_bounds(text)


def test_a_span_is_cut_into_pieces_on_the_marked_days_within_reach():
    days = trading_days("2020-01-02", "2020-02-28")
    cut = pieces((days[0], days[-1]), 8, lambda d: np.isin(np.arange(len(d)), [4, 9, 30]))
    starts = [days.get_loc(first) for first, _ in cut]
    assert starts[:3] == [0, 4, 9]  # on the marked days, each piece at most 8 sessions
    assert all(len(trading_days(first, last)) <= 8 for first, last in cut)
    assert cut[0][0] == days[0] and cut[-1][1] == days[-1]
    covered = [d for first, last in cut for d in trading_days(first, last)]
    assert covered == list(days)  # every day once, in order
    assert pieces((days[0], days[-1]), 100) == [(days[0], days[-1])]

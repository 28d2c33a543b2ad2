"""What `rebuild_prices` reports besides the rows: the days whose bars changed and the name-days no vendor priced,
against a plain pandas reading of the same rows."""

import itertools

import numpy as np
import pandas as pd
import pytest

from quant.calendar import sessions_around, trading_days
from storage.warehouse import PriceRules

DAYS = trading_days("2021-03-01", "2021-04-30")
RULES = PriceRules(vendor_ranking=["stooq"], max_daily_move=0.5, vendor_tolerance=0.02)


@pytest.fixture
def store(project):
    with project["warehouse"].session() as session:
        yield session


def raw_rows(seed: int, drop: float = 0.1) -> pd.DataFrame:
    """Four names over DAYS with random gaps (a name-day dropped with probability `drop`), small moves only."""
    rng = np.random.default_rng(seed)
    grid = pd.MultiIndex.from_product([DAYS, ["AAA", "BBB", "CCC", "DDD"]], names=["date", "ticker"]).to_frame(
        index=False
    )
    grid = grid[rng.random(len(grid)) >= drop].reset_index(drop=True)
    close = 100 * np.exp(rng.normal(0, 0.01, len(grid)))
    return grid.assign(
        open=close,
        high=close * 1.01,
        low=close * 0.99,
        close=close,
        volume=1e5,
        vendor="stooq",
        source_file=grid["ticker"].str.lower() + ".us.txt",
        source_line=np.arange(2, len(grid) + 2),
        ingested_at=pd.Timestamp("2021-05-01"),
        as_traded_close=np.nan,
    )


def rebuild(store, raw: pd.DataFrame):
    with store.transaction():
        store.delete("raw_prices")
        store.append("raw_prices", raw)
    calendar = sessions_around(DAYS[0], DAYS[-1], before=10, after=10)
    return store.rebuild_prices(calendar, DAYS[0], DAYS[-1] + pd.Timedelta(days=1), RULES)


def expected_missing(raw: pd.DataFrame) -> list[tuple]:
    """A name priced on a session and not on the next one, within the window."""
    held = set(zip(raw["date"], raw["ticker"], strict=True))
    nexts = dict(itertools.pairwise(DAYS))
    return sorted((nexts[d], t) for d, t in held if d in nexts and (nexts[d], t) not in held)


def as_pairs(frame: pd.DataFrame) -> list[tuple]:
    return [(pd.Timestamp(d), t) for d, t in zip(frame["date"], frame["ticker"], strict=True)]


def test_missing_name_days_and_changed_days_match_a_plain_reading(store):
    first = raw_rows(1)
    found = rebuild(store, first)
    assert as_pairs(found.missing) == expected_missing(first)
    assert [pd.Timestamp(d) for d in found.changed_days] == list(DAYS)  # a first load changes every day

    assert rebuild(store, first).changed_days == []  # the same rows again: nothing changed

    second = first.copy()
    moved = second.index[second["date"] == DAYS[10]][:1]
    second.loc[moved, ["close", "high"]] *= 1.001  # one bar restated
    second = second.drop(second.index[second["date"] == DAYS[20]][:1])  # one bar gone
    added = first[first["date"] == DAYS[30]].head(1).assign(date=DAYS[31], ticker="EEE", source_file="eee.us.txt")
    second = pd.concat([second, added], ignore_index=True)  # one bar new
    found = rebuild(store, second)
    assert [pd.Timestamp(d) for d in found.changed_days] == [DAYS[10], DAYS[20], DAYS[31]]
    assert as_pairs(found.missing) == expected_missing(second)
    assert found.disagreements.empty and list(found.disagreements.columns)[:2] == ["date", "ticker"]

"""Checks of stored rows flag the same rules as the pandas model on the same rows, only over the slice asked for, both
inside the warehouse (pandera's ibis backend, for large slices) and on the slice read into pandas (small ones)."""

import numpy as np
import pandas as pd
import pytest

from quant.calendar import trading_days
from storage.duckdb_backend import validation
from storage.models import FracDiffModel, PricesModel
from storage.warehouse import at_least, at_most, before, between, eq, isin
from stratengine_assets.common.checks import schema_check, stored_check

DAYS = trading_days(pd.Timestamp("2015-01-02"), pd.Timestamp("2015-03-31"))


def price_rows(tickers: list[str]) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product([DAYS, tickers], names=["date", "ticker"]).to_frame(index=False)
    close = 10 + np.arange(len(grid)) % 7
    return grid.assign(
        open=close,
        high=close + 1.0,
        low=close - 1.0,
        close=close.astype(float),
        volume=1000.0,
        dollar_volume=close * 1000.0,
        vendor="stooq",
        source_file="prices/stooq/x.us.txt",
        source_line=np.arange(len(grid)) + 2,
        as_traded_close=np.nan,
    )


def corrupted(rows: pd.DataFrame) -> pd.DataFrame:
    """One row breaking each kind of rule: a column check, a frame check, the calendar, the key and the pattern."""
    bad = rows.copy()
    bad.loc[0, "close"] = -1.0
    bad.loc[1, ["high", "low"]] = [9.0, 12.0]
    bad.loc[2, "date"] = pd.Timestamp("2015-01-03")  # a Saturday
    bad.loc[3, "ticker"] = "bad ticker"
    bad.loc[4, "source_line"] = 0
    return pd.concat([bad, bad.iloc[[5]]], ignore_index=True)  # a duplicate (date, ticker)


def rules(result) -> set[str]:
    """The (column, check) rows of a failed check's failures_by_check table."""
    table = result.metadata["failures_by_check"].value.splitlines()[2:]
    return {"|".join(cell.strip() for cell in line.strip("|").split("|")[:2]) for line in table}


@pytest.fixture(params=["in the warehouse", "read into pandas"])
def store(project, request, monkeypatch):
    in_memory_rows = 0 if request.param == "in the warehouse" else validation.IN_MEMORY_ROWS
    monkeypatch.setattr(validation, "IN_MEMORY_ROWS", in_memory_rows)
    with project["warehouse"].session() as session:
        yield session


def test_clean_stored_prices_pass_with_every_row_counted(store):
    store.append("prices", price_rows(["AAA", "BBB"]))
    result = stored_check("prices_valid", store, "prices", PricesModel)
    assert result.passed
    assert result.metadata["rows_checked"].value == 2 * len(DAYS)


def test_stored_prices_fail_the_same_rules_as_the_pandas_model(store):
    store.append("prices", corrupted(price_rows(["AAA", "BBB"])))
    in_memory = schema_check("prices_valid", PricesModel, store.read("prices"))
    stored = stored_check("prices_valid", store, "prices", PricesModel)
    assert not stored.passed and not in_memory.passed
    expected = {
        "close|greater_than(0)",
        "PricesModel|high_at_least_low",
        "PricesModel|close_within_range",
        "PricesModel|on_trading_days",
        "ticker|str_matches('^[A-Z0-9]{1,10}(\\.[A-Z0-9]{1,4})?$')",
        "source_line|greater_than_or_equal_to(1)",
    }
    assert expected <= rules(stored)
    assert {rule.split("|")[1] for rule in rules(stored)} == {rule.split("|")[1] for rule in rules(in_memory)}


def test_only_the_slice_asked_for_is_checked(store):
    store.append("prices", price_rows(["AAA"]))
    bad = price_rows(["BBB"])
    bad.loc[bad["date"] >= pd.Timestamp("2015-03-02"), "close"] = -5.0
    store.append("prices", bad)
    assert stored_check("prices_valid", store, "prices", PricesModel, isin("ticker", ["AAA"])).passed
    window = (at_least("date", pd.Timestamp("2015-01-01")), before("date", pd.Timestamp("2015-03-02")))
    assert stored_check("prices_valid", store, "prices", PricesModel, *window).passed
    inside = between("date", pd.Timestamp("2015-01-02"), pd.Timestamp("2015-02-27"))
    assert stored_check("prices_valid", store, "prices", PricesModel, inside, eq("ticker", "BBB")).passed
    assert not stored_check("prices_valid", store, "prices", PricesModel, at_most("date", "2015-03-02")).passed
    failed = stored_check("prices_valid", store, "prices", PricesModel, isin("ticker", ["BBB"]))
    assert not failed.passed
    assert rules(failed) == {"close|greater_than(0)", "PricesModel|close_within_range"}
    assert failed.metadata["failures"].value == 2 * int((bad["close"] < 0).sum())  # each bad row breaks both


def test_an_empty_slice_passes_with_no_rows(store):
    store.append("prices", price_rows(["AAA"]))
    result = stored_check("prices_valid", store, "prices", PricesModel, isin("ticker", ["ZZZ"]))
    assert result.passed
    assert result.metadata["rows_checked"].value == 0


def test_stored_frac_diff_rows_out_of_range_fail(store):
    rows = pd.DataFrame({"ticker": "AAA", "date": DAYS, "d": 0.4, "width": 10, "value": 0.1})
    rows.loc[3, "d"] = 1.5
    store.append("frac_diff", rows)
    result = stored_check("frac_diff_valid", store, "frac_diff", FracDiffModel)
    assert not result.passed
    assert rules(result) == {"d|less_than_or_equal_to(1)"}

"""read_panel places each stored row at its (day, ticker) cell: NaN where there is none or the value is NULL, rows
off either axis or outside the filters left out; the same matrix a pandas pivot of the rows gives."""

import numpy as np
import pandas as pd
import pytest

from quant.calendar import trading_days
from storage.warehouse import at_least

DAYS = trading_days(pd.Timestamp("2016-03-01"), pd.Timestamp("2016-04-29"))


@pytest.fixture
def store(project):
    with project["warehouse"].session() as session:
        yield session


def factor_rows(rng: np.random.Generator) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product([DAYS, ["AAA", "BBB", "CCC", "ZZZ"]]).to_frame(index=False)
    grid.columns = ["date", "ticker"]
    grid = grid.sample(frac=0.8, random_state=1).reset_index(drop=True)  # holes, and no row order to rely on
    sector = rng.normal(size=len(grid))
    sector[rng.random(len(grid)) < 0.3] = np.nan  # stored as NULL
    return grid.assign(
        book_to_price__raw_value=rng.normal(size=len(grid)),
        book_to_price__zscore=rng.normal(size=len(grid)),
        book_to_price__sector_zscore=sector,
        size__raw_value=rng.normal(size=len(grid)),
        size__zscore=rng.normal(size=len(grid)),
    )


def pivoted(rows: pd.DataFrame, value: str, days: pd.DatetimeIndex, tickers: pd.Index) -> np.ndarray:
    return rows.pivot(index="date", columns="ticker", values=value).reindex(index=days, columns=tickers).to_numpy()


@pytest.mark.parametrize("value", ["book_to_price__zscore", "book_to_price__sector_zscore"])
def test_the_panel_equals_a_pivot_of_the_rows(store, value):
    rows = factor_rows(np.random.default_rng(3))
    store.append("factors", rows)
    days, tickers = DAYS[5:30], pd.Index(["CCC", "AAA", "BBB", "QQQ"])  # ZZZ left out, QQQ never stored
    panel = store.read_panel("factors", value, days, tickers, at_least("size__raw_value", 0.0))
    expected = pivoted(rows[rows["size__raw_value"] >= 0], value, days, tickers)
    assert panel.shape == (len(days), len(tickers))
    np.testing.assert_array_equal(panel, expected)
    assert np.isnan(panel[:, 3]).all() and np.isfinite(panel).any()


def test_days_the_axis_skips_are_left_out(store):
    rows = factor_rows(np.random.default_rng(4))
    store.append("factors", rows)
    days, tickers = DAYS[::3], pd.Index(["AAA", "BBB"])  # every third session: the rows between fall outside
    panel = store.read_panel("factors", "size__zscore", days, tickers)
    np.testing.assert_array_equal(panel, pivoted(rows, "size__zscore", days, tickers))


def test_an_empty_axis_gives_an_empty_panel(store):
    store.append("factors", factor_rows(np.random.default_rng(5)))
    assert store.read_panel("factors", "size__zscore", DAYS, pd.Index([])).shape == (len(DAYS), 0)
    assert store.read_panel("factors", "size__zscore", DAYS[:0], pd.Index(["AAA"])).shape == (0, 1)

"""row_ranks is pandas' DataFrame.rank(axis=1) to the bit: ties, missing and infinite cells, empty rows."""

import numpy as np
import pandas as pd
import pytest

from quant.panel import row_ranks


def pandas_ranks(values: np.ndarray) -> np.ndarray:
    return pd.DataFrame(np.where(np.isfinite(values), values, np.nan)).rank(axis=1).to_numpy()


@pytest.mark.parametrize("seed", range(5))
def test_row_ranks_equal_pandas_on_ties_holes_and_infinities(seed):
    rng = np.random.default_rng(seed)
    values = np.round(rng.standard_normal((40, 300)), int(rng.integers(0, 3)))  # rounding makes many ties
    values[rng.random(values.shape) < 0.15] = np.nan
    values[rng.random(values.shape) < 0.01] = np.inf
    values[3] = np.nan  # a day without a value
    values[4] = 1.5  # a day of one tie
    np.testing.assert_array_equal(row_ranks(values), pandas_ranks(values))


def test_row_ranks_of_empty_and_single_column_matrices():
    assert row_ranks(np.empty((0, 5))).shape == (0, 5)
    np.testing.assert_array_equal(row_ranks(np.array([[2.0], [np.nan]])), [[1.0], [np.nan]])


@pytest.mark.parametrize("cells", [1, 700, 2**16])
def test_blocks_of_any_size_rank_alike(cells, monkeypatch):
    """A block of one row (a row wider than the block), blocks that do not divide the rows, one block of all."""
    rng = np.random.default_rng(7)
    values = np.round(rng.standard_normal((53, 300)), 1)
    values[rng.random(values.shape) < 0.1] = np.nan
    monkeypatch.setattr("quant.panel.RANK_BLOCK_CELLS", cells)
    np.testing.assert_array_equal(row_ranks(values), pandas_ranks(values))

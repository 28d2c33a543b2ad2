"""Staged writes: rows gathered outside a transaction, moved into their table in one statement inside one."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from storage.duckdb_backend.session import ROW_GROUP_ROWS, scannable

ROWS = pd.DataFrame(
    {
        "ticker": ["AAA", "BBB", "CCC"],
        "vendor": "stooq",
        "source_file": "prices/stooq/x.txt",
    }
)


@pytest.fixture
def store(project):
    with project["warehouse"].session() as session:
        yield session


def test_staged_rows_reach_the_table_only_when_moved(store):
    assert store.stage("actions_coverage", ROWS.iloc[:2]) == 2
    assert store.stage("actions_coverage", ROWS.iloc[2:]) == 1
    assert store.count("actions_coverage") == 0
    with store.transaction():
        assert store.append_staged("actions_coverage") == 3
    assert sorted(store.read("actions_coverage")["ticker"]) == ["AAA", "BBB", "CCC"]
    with store.transaction():
        assert store.append_staged("actions_coverage") == 0  # the stage was dropped with the move


def test_a_move_rolled_back_leaves_the_table_as_it_was(store):
    store.stage("actions_coverage", ROWS)
    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        store.append_staged("actions_coverage")
        raise RuntimeError("boom")
    assert store.count("actions_coverage") == 0


def test_staging_inside_a_transaction_is_refused(store):
    with pytest.raises(RuntimeError, match="outside a transaction"), store.transaction():
        store.stage("actions_coverage", ROWS)


@pytest.mark.parametrize("as_arrow", [False, True])
def test_a_frame_of_many_row_groups_is_written_whole_with_its_nulls(store, as_arrow):
    """Frames are handed to DuckDB in batches of a row group (one thread each): every row arrives once, as it was."""
    n = 3 * ROW_GROUP_ROWS + 17
    line = np.arange(n)
    rows = pd.DataFrame(
        {
            "date": pd.Timestamp("2020-01-02") + pd.to_timedelta(line // 997, unit="D"),
            "ticker": [f"S{k % 997:04d}" for k in range(n)],
            "close": np.where(line % 5 == 0, np.nan, line / n),
            "vendor": "stooq",
            "source_file": "prices/stooq/x.txt",
            "source_line": line,
            "ingested_at": pd.Timestamp("2020-01-02 18:00"),
        }
    )
    frame = pa.Table.from_pandas(rows, preserve_index=False) if as_arrow else rows
    assert [batch.num_rows for batch in scannable(frame).to_batches()] == [ROW_GROUP_ROWS] * 3 + [17]
    assert store.append("raw_prices", frame) == n
    back = store.read("raw_prices", order_by=["source_line"])
    assert len(back) == n and back["close"].isna().sum() == (line % 5 == 0).sum()
    assert (back["source_line"].to_numpy() == line).all() and list(back["ticker"]) == list(rows["ticker"])
    pd.testing.assert_series_equal(back["close"], rows["close"])

"""Staged writes: rows gathered outside a transaction, moved into their table in one statement inside one."""

import pandas as pd
import pytest

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

"""Re-materializing a partition range leaves the warehouse exactly as one run leaves it."""

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance, materialize

from storage.warehouse import eq
from stratengine_assets.common.partition_range import day_range_tags
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.raw_prices import raw_prices
from tests.helpers import ALL_ASSETS, count, random_walk, register, write_stooq

RANGE = day_range_tags("2017-10-02", "2017-10-31")


def _land(project) -> None:
    root = Path(project["landing_zone"].root) / "prices" / "stooq"
    for i, ticker in enumerate(["aaa", "bbb", "ccc"]):
        write_stooq(root / f"{ticker}.us.txt", random_walk("2017-09-01", "2017-11-10", seed=i))
    bad = root / "ddd.us.txt"
    bad.write_text("Date,Open,High,Low,Close,Volume,OpenInt\n2017-10-02,10,9,11,10,5,0\n2017-10-03,10,11,9,10,5,0\n")


def _snapshot(warehouse) -> tuple[int, int, int]:
    return (
        count(warehouse, "SELECT count(*) FROM raw_prices"),
        count(warehouse, "SELECT count(*) FROM prices"),
        count(warehouse, "SELECT count(*) FROM quarantine"),
    )


def test_rematerializing_a_range_keeps_row_counts(project):
    _land(project)
    instance = DagsterInstance.ephemeral()
    snapshots = []
    for _ in range(2):
        register(project)
        result = materialize(
            ALL_ASSETS, selection=[raw_prices, prices], instance=instance, resources=project, tags=RANGE
        )
        assert result.success
        snapshots.append(_snapshot(project["warehouse"]))
    first = snapshots[0]
    assert snapshots[1] == first
    trading_days_in_october = 22
    assert first == (3 * trading_days_in_october + 2, 3 * trading_days_in_october + 1, 1)
    assert count(project["warehouse"], "SELECT count(*) FROM prices GROUP BY ticker, date ORDER BY 1 DESC LIMIT 1") == 1


def test_a_failed_write_leaves_the_previous_slice(project):
    warehouse = project["warehouse"]
    rows = pd.DataFrame(
        {"date": [pd.Timestamp("2017-10-02")], "ticker": ["AAA"], "close": [1.0], "adv21": [1e7], "history_days": [252]}
    )
    with warehouse.session() as store:
        store.replace("universe", rows, eq("date", "2017-10-02"))
        with pytest.raises(duckdb.Error), store.transaction():
            store.replace("universe", rows.drop(columns="close"), eq("date", "2017-10-02"))
    assert count(warehouse, "SELECT count(*) FROM universe") == 1


def test_a_failed_transaction_writes_nothing(project):
    rows = pd.DataFrame({"date": [pd.Timestamp("2017-10-02")], "ticker": ["AAA"], "close": [1.0], "adv21": [1e7]})
    with project["warehouse"].session() as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.append("universe", rows.assign(history_days=252))
            raise RuntimeError("the step dies after its first write")
        assert store.count("universe") == 0


def test_unknown_tables_and_columns_never_reach_sql(project):
    with project["warehouse"].session() as store:
        with pytest.raises(ValueError, match="unknown warehouse table"):
            store.replace("prices; DROP TABLE prices", pd.DataFrame())
        with pytest.raises(ValueError, match="has no column"):
            store.read("prices", eq("ticker = ticker OR 1", 1))
        with pytest.raises(ValueError, match="has no column"):
            store.read("prices", columns=["*"])

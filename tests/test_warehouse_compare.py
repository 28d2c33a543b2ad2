"""Two warehouses compared table for table: what the incremental == from-scratch checks stand on."""

import pandas as pd

from resources.warehouse import DuckDBWarehouseResource
from storage.compare import differences, main

ROWS = pd.DataFrame(
    {
        "date": pd.to_datetime(["2017-10-02", "2017-10-02", "2017-10-03"]),
        "ticker": ["AAA", "BBB", "AAA"],
        "close": [10.0, 20.0, 10.5],
        "adv21": [1e7, 2e7, 1e7],
        "history_days": [252, 252, 252],
    }
)


def _warehouse(tmp_path, name: str, rows: pd.DataFrame, computed_at: str) -> DuckDBWarehouseResource:
    warehouse = DuckDBWarehouseResource(database=str(tmp_path / f"{name}.duckdb"))
    summary = pd.DataFrame(
        {"factor": ["size"], "horizon": [21], "days": [3], "computed_at": [pd.Timestamp(computed_at)]}
    )
    with warehouse.session() as store:
        store.append("universe", rows)
        store.append("factor_evaluation", summary)
    return warehouse


def _differences(a: DuckDBWarehouseResource, b: DuckDBWarehouseResource) -> dict:
    with a.session() as left, b.session() as right:
        return {table: why for table, why in differences(left, right).items() if why}


def test_row_order_and_write_times_do_not_count(tmp_path):
    a = _warehouse(tmp_path, "a", ROWS, "2026-01-01")
    b = _warehouse(tmp_path, "b", ROWS.iloc[::-1].copy().reset_index(drop=True), "2026-06-30")
    assert _differences(a, b) == {}
    assert main([a.database, b.database]) == 0


def test_a_changed_value_or_a_missing_row_is_named(tmp_path):
    a = _warehouse(tmp_path, "a", ROWS, "2026-01-01")
    nudged = _warehouse(tmp_path, "nudged", ROWS.assign(close=[10.0, 20.0, 10.5 + 1e-6]), "2026-01-01")
    assert _differences(a, nudged) == {"universe": "column close: 1 of 3 rows differ"}
    shorter = _warehouse(tmp_path, "shorter", ROWS.head(2), "2026-01-01")
    assert _differences(a, shorter) == {"universe": "3 rows against 2"}
    assert main([a.database, shorter.database]) == 1
    within = _warehouse(tmp_path, "within", ROWS.assign(close=[10.0, 20.0, 10.5 + 1e-12]), "2026-01-01")
    assert _differences(a, within) == {}


def test_the_fingerprint_sees_rows_not_their_order_or_write_times(tmp_path):
    """Equal fingerprints let a table pass unloaded: they must differ whenever the rows do, duplicates included."""
    a = _warehouse(tmp_path, "a", ROWS, "2026-01-01")
    b = _warehouse(tmp_path, "b", ROWS.iloc[::-1].copy().reset_index(drop=True), "2026-06-30")
    twice = _warehouse(tmp_path, "twice", ROWS.iloc[[0, 0, 2]].copy(), "2026-01-01")
    other = _warehouse(tmp_path, "other", ROWS.iloc[[1, 1, 2]].copy(), "2026-01-01")
    nudged = _warehouse(tmp_path, "nudged", ROWS.assign(close=[10.0, 20.0, 10.5 + 1e-12]), "2026-01-01")
    prints = {}
    for name, warehouse in {"a": a, "b": b, "twice": twice, "other": other, "nudged": nudged}.items():
        with warehouse.session() as store:
            prints[name] = store.fingerprint("universe"), store.fingerprint("factor_evaluation", ["computed_at"])
    assert prints["a"] == prints["b"]
    assert prints["a"][0][0] == ("adv21", "close", "date", "history_days", "ticker") and prints["a"][0][1] == 3
    assert len({prints[name][0] for name in ("a", "twice", "other", "nudged")}) == 4

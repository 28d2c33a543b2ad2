"""An older warehouse file gains the columns a newer release declares, without losing rows."""

import duckdb

from resources import DuckDBWarehouseResource
from storage.schema import TABLES, columns


def test_older_warehouse_file_gains_new_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "CREATE TABLE backtest_returns (strategy_id VARCHAR NOT NULL, date DATE NOT NULL, "
            "gross_return DOUBLE NOT NULL, cost DOUBLE NOT NULL, net_return DOUBLE NOT NULL, turnover DOUBLE NOT NULL)"
        )
        conn.execute("INSERT INTO backtest_returns VALUES ('s', DATE '2017-01-03', 0.01, 0.0, 0.01, 0.0)")
    with DuckDBWarehouseResource(database=str(path)).get_connection() as conn:
        found = {row[0] for row in conn.execute("DESCRIBE backtest_returns").fetchall()}
        assert found == set(columns("backtest_returns"))
        assert conn.execute("SELECT count(*), count(commission) FROM backtest_returns").fetchone() == (1, 0)
        tables = {row[0] for row in conn.execute("SHOW TABLES").fetchall()}
    assert set(TABLES) <= tables

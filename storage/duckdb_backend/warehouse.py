"""The DuckDB warehouse: one file, the schema created on connect, tables read and written through filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from storage.duckdb_backend.landed import LandedQueries
from storage.duckdb_backend.manifest import ManifestQueries
from storage.duckdb_backend.portfolio import PortfolioQueries
from storage.duckdb_backend.prices import PriceQueries
from storage.duckdb_backend.research import ResearchQueries
from storage.duckdb_backend.sql import checked_column, checked_table, where_clause
from storage.duckdb_backend.validation import ValidationQueries
from storage.schema import added_column_statements, create_statements, legacy_tables, panel_axes
from storage.warehouse import Columns, Warehouse, Where, between

COLUMNS_SQL = "SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = current_database()"


def prepare(conn: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, and bring a file written by an older release up to the declared columns."""
    legacy = legacy_tables(set(conn.execute(COLUMNS_SQL).fetchall()))
    if legacy:
        replace_legacy(conn, legacy)
    for statement in create_statements():
        conn.execute(statement)
    for statement in added_column_statements(set(conn.execute(COLUMNS_SQL).fetchall())):
        conn.execute(statement)


def replace_legacy(conn: duckdb.DuckDBPyConnection, legacy: list[str]) -> None:
    """Derived tables in a layout since replaced (the long `factors` of releases before the wide one) dropped,
    created anew and their partitions forgotten as built, in one transaction: the next plan rebuilds them."""
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in legacy:
            conn.execute(f"DROP TABLE {checked_table(table)}")
        for statement in create_statements():
            conn.execute(statement)
        for table in legacy:
            conn.execute("DELETE FROM built_partitions WHERE asset = ?", [table])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


class DuckDBWarehouse(
    ManifestQueries, LandedQueries, PriceQueries, ResearchQueries, PortfolioQueries, ValidationQueries, Warehouse
):
    """A session on a DuckDB warehouse, over a connection the caller opened (holding the writer lock where the
    backend needs one) and ran `prepare` on: a DuckDB file, or a DuckLake catalog made the connection's default."""

    def read(
        self, table: str, *where: Where, columns: Columns = None, order_by: Columns = None, limit: int | None = None
    ) -> pd.DataFrame:
        return self._select(table, where, columns, order_by or (), limit=limit).df()

    def distinct(self, table: str, columns: Sequence[str], *where: Where) -> pd.DataFrame:
        return self._select(table, where, columns, columns, "SELECT DISTINCT").df()

    def read_panel(
        self, table: str, value: str, days: pd.DatetimeIndex, tickers: pd.Index, *where: Where
    ) -> np.ndarray:
        return self.read_panels(table, [value], days, tickers, *where)[:, :, 0]

    def read_panels(
        self, table: str, values: Sequence[str], days: pd.DatetimeIndex, tickers: pd.Index, *where: Where
    ) -> np.ndarray:
        panels = np.full((len(days), len(tickers), len(values)), np.nan)
        if panels.size == 0:
            return panels
        date, ticker = (checked_column(table, c) for c in panel_axes(table))
        picked = ", ".join(f"{checked_column(table, v)} AS v{k}" for k, v in enumerate(values))
        filters = [between(date, days[0].date(), days[-1].date()), *where]
        clause, params = where_clause(table, filters)
        sql = (  # DuckDB places each cell: no dates or ticker strings reach Python (two unnests zip in step)
            f"SELECT axis_days.i, axis_tickers.j, cell.* EXCLUDE (date, ticker) FROM (SELECT {date} AS date,"
            f" {ticker} AS ticker, {picked} FROM {checked_table(table)}{clause}) AS cell"
            " JOIN (SELECT unnest(?::DATE[]) AS date, unnest(range(?)) AS i) AS axis_days ON cell.date = axis_days.date"
            " JOIN (SELECT unnest(?::VARCHAR[]) AS ticker, unnest(range(?)) AS j) AS axis_tickers"
            " ON cell.ticker = axis_tickers.ticker"
        )
        axes = [list(days.date), len(days), [str(t) for t in tickers], len(tickers)]
        cells = self.conn.execute(sql, [*params, *axes]).fetchnumpy()
        for k in range(len(values)):
            panels[cells["i"], cells["j"], k] = np.ma.filled(np.ma.asarray(cells[f"v{k}"], dtype=np.float64), np.nan)
        return panels

    def replace(self, table: str, frame: pd.DataFrame, *where: Where) -> int:
        with self.transaction():
            self.delete(table, *where)
            return self.append(table, frame) if len(frame) else 0

    def append(self, table: str, frame: pd.DataFrame | pa.Table) -> int:
        with self.registered(incoming_frame=frame):
            self.conn.execute(f"INSERT INTO {checked_table(table)} BY NAME SELECT * FROM incoming_frame")
        return len(frame)

    def stage(self, table: str, frame: pd.DataFrame | pa.Table) -> int:
        self._outside_transaction("stage()")
        with self.registered(incoming_frame=frame):
            self.conn.execute(f"INSERT INTO {self._staging(table)} BY NAME SELECT * FROM incoming_frame")
        return len(frame)

    def append_staged(self, table: str) -> int:
        staging = self._staging(table)  # nothing staged: an empty copy, so zero rows move
        inserted = self.conn.execute(f"INSERT INTO {checked_table(table)} SELECT * FROM {staging}").fetchall()[0][0]
        self.conn.execute(f"DROP TABLE {staging}")
        return int(inserted)

    def delete(self, table: str, *where: Where) -> None:
        clause, params = where_clause(table, where)
        self.conn.execute(f"DELETE FROM {checked_table(table)}{clause}", params)

    def update(self, table: str, values: Mapping[str, Any], *where: Where) -> None:
        assignments = ", ".join(f"{checked_column(table, column)} = ?" for column in values)
        clause, params = where_clause(table, where)
        given = [_plain(value) for value in values.values()]
        self.conn.execute(f"UPDATE {checked_table(table)} SET {assignments}{clause}", [*given, *params])

    def count(self, table: str, *where: Where) -> int:
        clause, params = where_clause(table, where)
        return self.conn.execute(f"SELECT count(*) FROM {checked_table(table)}{clause}", params).fetchall()[0][0]

    def count_by(self, table: str, column: str, *where: Where) -> dict[Any, int]:
        clause, params = where_clause(table, where)
        sql = f"SELECT {checked_column(table, column)}, count(*) FROM {checked_table(table)}{clause} GROUP BY 1"
        return dict(self.conn.execute(sql, params).fetchall())

    def span(self, table: str, column: str, *where: Where) -> tuple[Any, Any]:
        clause, params = where_clause(table, where)
        name = checked_column(table, column)
        sql = f"SELECT min({name}), max({name}) FROM {checked_table(table)}{clause}"
        first, last = self.conn.execute(sql, params).fetchall()[0]
        return first, last

    def fingerprint(self, table: str, ignore: Sequence[str] = ()) -> tuple[tuple[str, ...], int, int]:
        described = self.conn.execute(f"SELECT * FROM {checked_table(table)} LIMIT 0").description
        kept = tuple(sorted(column[0] for column in described if column[0] not in ignore))
        hashed = ", ".join('"' + column.replace('"', '""') + '"' for column in kept)  # names the table itself gave
        sql = f"SELECT count(*), coalesce(sum(hash({hashed})), 0) FROM {checked_table(table)}"
        rows, total = self.conn.execute(sql).fetchall()[0]
        return kept, int(rows), int(total)

    def tables(self) -> set[str]:
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_catalog = current_database() AND table_schema = 'main'"
        )
        return {row[0] for row in rows.fetchall()}

    def copy_slices(
        self, target: str, slices: Mapping[str, Sequence[Where]], columns: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        quoted = str(target).replace("'", "''")  # ATTACH takes no parameters; the path is the caller's own file
        self.conn.execute(f"ATTACH '{quoted}' AS copy_target")
        try:
            for table, where in slices.items():
                clause, params = where_clause(table, where)
                picked = ", ".join(checked_column(table, c) for c in (columns or {}).get(table, [])) or "*"
                self.conn.execute(
                    f"INSERT INTO copy_target.{checked_table(table)} BY NAME SELECT {picked} FROM {table}{clause}",
                    params,
                )
        finally:
            self.conn.execute("DETACH copy_target")

    def _select(
        self,
        table: str,
        where: Sequence[Where],
        columns: Columns,
        order_by: Sequence[str],
        keyword: str = "SELECT",
        limit: int | None = None,
    ) -> duckdb.DuckDBPyConnection:
        picked = ", ".join(checked_column(table, c) for c in columns) if columns else "*"
        clause, params = where_clause(table, where)
        order = f" ORDER BY {', '.join(checked_column(table, c) for c in order_by)}" if order_by else ""
        last = f" LIMIT {int(limit)}" if limit is not None else ""
        return self.conn.execute(f"{keyword} {picked} FROM {checked_table(table)}{clause}{order}{last}", params)


def _plain(value: Any) -> Any:
    """A value DuckDB takes as a parameter: numpy scalars as Python ones, pandas' missing markers as NULL."""
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if isinstance(value, np.generic) else value

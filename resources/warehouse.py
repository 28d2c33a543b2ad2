"""The DuckDB warehouse: one file, one writer at a time, idempotent partition writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource
from filelock import FileLock

from resources.warehouse_schema import TABLES, added_column_statements, create_statements

LOCK_TIMEOUT_SECONDS = 600


class WarehouseResource(DuckDBResource):
    """DuckDBResource with the schema created on connect and a cross-process writer lock."""

    @contextmanager
    def get_connection(self, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection once no other process writes; filelock.Timeout after lock_timeout seconds."""
        path = Path(self.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{path}.lock", timeout=lock_timeout), super().get_connection() as conn:
            for statement in create_statements():
                conn.execute(statement)
            _add_new_columns(conn)
            yield conn


def _add_new_columns(conn: duckdb.DuckDBPyConnection) -> None:
    """Bring a warehouse file written by an older release up to the declared columns."""
    existing = conn.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall()
    for statement in added_column_statements(set(existing)):
        conn.execute(statement)


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Commit everything in the block or nothing."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def member_of(column: str, kind: str = "VARCHAR", param: str = "?") -> str:
    """SQL for `column` in a list parameter, as a hash semi-join: list_contains scans the list once per row."""
    return f"{column} IN (SELECT unnest({param}::{kind}[]))"


def checked_table(table: str) -> str:
    """Only tables declared in the schema reach SQL text."""
    if table not in TABLES:
        raise ValueError(f"unknown warehouse table {table!r}")
    return table


def append_rows(conn: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Insert `frame` by column name, in the caller's transaction."""
    conn.register("incoming_frame", frame)
    try:
        conn.execute(f"INSERT INTO {checked_table(table)} BY NAME SELECT * FROM incoming_frame")
    finally:
        conn.unregister("incoming_frame")
    return len(frame)


def replace_slice(conn: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, where: str, params: list) -> int:
    """Delete the slice `where` selects and insert `frame`, in the caller's transaction."""
    table = checked_table(table)
    conn.execute(f"DELETE FROM {table} WHERE {where}", params)
    return append_rows(conn, table, frame) if len(frame) else 0

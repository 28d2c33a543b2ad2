"""The warehouse as a Dagster resource: a DuckDB file, one writer at a time across processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource
from filelock import FileLock

from storage.duckdb_backend import DuckDBWarehouse, prepare
from storage.warehouse import Warehouse

LOCK_TIMEOUT_SECONDS = 600


class WarehouseResource(DuckDBResource):
    """DuckDBResource behind a cross-process writer lock; `session()` is the warehouse interface over it."""

    @contextmanager
    def get_connection(self, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection once no other process writes, the schema in place; filelock.Timeout after lock_timeout."""
        path = Path(self.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{path}.lock", timeout=lock_timeout), super().get_connection() as conn:
            prepare(conn)
            yield conn

    @contextmanager
    def session(self, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[Warehouse]:
        """The warehouse interface on one locked connection."""
        with self.get_connection(lock_timeout) as conn:
            yield DuckDBWarehouse(conn)

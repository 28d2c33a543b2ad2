"""The warehouse as a Dagster resource: one seam, `session()`, with a backend per subclass: a DuckDB file (the
embedded default, one writer at a time across processes) or a DuckLake catalog (several writers, on one machine or
many)."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, RetryRequested
from dagster_duckdb import DuckDBResource
from filelock import FileLock
from pydantic import Field

from storage.duckdb_backend import DuckDBWarehouse, prepare
from storage.ducklake_backend import LakeLocation, attach_lake, is_write_conflict
from storage.warehouse import Warehouse

LOCK_TIMEOUT_SECONDS = 600
WRITE_CONFLICT_RETRIES = 8  # a step whose commit lost to a concurrent writer's runs again, up to this many times


class WarehouseResource(ConfigurableResource):
    """The warehouse interface as a resource; assets ask for this type, the code location binds a backend."""

    @contextmanager
    def session(self, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[Warehouse]:
        """The warehouse interface on one connection (the writer lock held where the backend needs one). A commit
        that lost to a concurrent writer asks Dagster to run the step again (every step's writes replace slices,
        so a second run writes the same rows), after a random pause so the writers spread out."""
        try:
            with self.get_connection(lock_timeout) as conn:
                yield DuckDBWarehouse(conn)
        except Exception as error:
            if not is_write_conflict(error):
                raise
            wait = random.uniform(0.5, 3.0)
            raise RetryRequested(max_retries=WRITE_CONFLICT_RETRIES, seconds_to_wait=wait) from error

    def get_connection(self, lock_timeout: float = LOCK_TIMEOUT_SECONDS):
        """A DuckDB connection on the warehouse, its schema in place."""
        raise NotImplementedError

    @contextmanager
    def read_session(self, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[Warehouse]:
        """The warehouse interface for reading only (the API's): a backend may open it without writing anything."""
        with self.session(lock_timeout) as store:
            yield store

    def describe(self) -> str:
        """Where the warehouse lives, for logs (no secrets)."""
        raise NotImplementedError

    def version(self) -> tuple | None:
        """A token that changes whenever a commit changes the warehouse, read without opening it; None where the
        backend cannot tell cheaply (readers then cannot cache)."""
        return None


class DuckDBWarehouseResource(DuckDBResource, WarehouseResource):
    """A DuckDB file behind a cross-process writer lock: no server, one writer at a time."""

    @contextmanager
    def get_connection(self, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection once no other process writes, the schema in place; filelock.Timeout after lock_timeout."""
        path = Path(self.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{path}.lock", timeout=lock_timeout), DuckDBResource.get_connection(self) as conn:
            prepare(conn)
            yield conn

    @contextmanager
    def read_session(self, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[Warehouse]:
        """The file opened read-only under the lock: no schema statements and no checkpoint, so reading leaves the
        file (and its version) as it was. FileNotFoundError before the first build."""
        path = Path(self.database)
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path} yet: run `stratengine demo` or `stratengine update`")
        with (
            FileLock(f"{path}.lock", timeout=lock_timeout),
            duckdb.connect(str(path), read_only=True, config=dict(self.connection_config)) as conn,
        ):
            yield DuckDBWarehouse(conn)

    def describe(self) -> str:
        return f"DuckDB file {self.database}"

    def version(self) -> tuple:
        """Size and modification time of the file and its write-ahead log: every commit changes one of them."""
        stats = []
        for path in (Path(self.database), Path(f"{self.database}.wal")):
            try:
                stat = path.stat()
                stats.append((stat.st_size, stat.st_mtime_ns))
            except FileNotFoundError:
                stats.append(None)
        return tuple(stats)


_prepared: set[str] = set()  # lakes whose schema this process has brought up to date
_prepare_lock = threading.Lock()


class DuckLakeWarehouseResource(WarehouseResource):
    """A DuckLake warehouse: catalog in PostgreSQL, data as Parquet in a folder or on S3; no writer lock, several
    processes commit snapshots concurrently (DuckLake retries a commit that does not really conflict)."""

    catalog: str = Field(description="libpq keyword=value string of the PostgreSQL catalog database")
    data_path: str = Field(description="folder or s3://bucket/prefix for the Parquet data files")
    connection_config: dict = Field(default_factory=dict, description="DuckDB settings (memory_limit, threads)")
    s3_endpoint: str = ""
    s3_region: str = "us-east-1"
    s3_use_ssl: bool = True
    s3_key_id: str = ""
    s3_secret: str = ""

    def location(self) -> LakeLocation:
        fields = ("catalog", "data_path", "s3_endpoint", "s3_region", "s3_use_ssl", "s3_key_id", "s3_secret")
        return LakeLocation(**{name: getattr(self, name) for name in fields})

    @contextmanager
    def get_connection(self, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection whose default catalog is the lake, the schema in place (checked once per process)."""
        location = self.location()
        conn = duckdb.connect(config=dict(self.connection_config))
        try:
            attach_lake(conn, location)
            with _prepare_lock:
                if location.describe() not in _prepared:
                    prepare(conn)
                    _prepared.add(location.describe())
            yield conn
        finally:
            conn.close()

    def describe(self) -> str:
        return self.location().describe()

"""The DuckDB backend of the warehouse interface: every SQL statement the pipeline runs lives in this package."""

from storage.duckdb_backend.warehouse import DuckDBWarehouse, prepare

__all__ = ["DuckDBWarehouse", "prepare"]

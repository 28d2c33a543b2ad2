"""The DuckLake backend: the DuckDB backend's SQL over a DuckLake catalog (PostgreSQL for several writers, data as
Parquet in a folder or on S3), so several processes and machines write one warehouse."""

from storage.ducklake_backend.connect import LakeLocation, attach_lake, is_write_conflict

__all__ = ["LakeLocation", "attach_lake", "is_write_conflict"]

"""DuckDB's memory limit and thread count are settings (issue 11: a memory limit for DuckDB), read in one place."""

import pytest

from resources.settings import build_resources, resolved_resources


def test_duckdb_memory_limit_and_threads_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("STRATENGINE_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("STRATENGINE_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("STRATENGINE_DUCKDB_THREADS", "1")
    warehouse = resolved_resources()["warehouse"]
    with warehouse.get_connection() as conn:
        limit, threads = conn.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
    assert limit == "953.6 MiB" and threads == 1  # DuckDB shows 1 GB (10^9 bytes) in GiB


def test_a_malformed_limit_is_refused_with_its_variable(monkeypatch):
    monkeypatch.setenv("STRATENGINE_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="STRATENGINE_DUCKDB_MEMORY_LIMIT"):
        build_resources()
    monkeypatch.delenv("STRATENGINE_DUCKDB_MEMORY_LIMIT")
    monkeypatch.setenv("STRATENGINE_DUCKDB_THREADS", "0")
    with pytest.raises(ValueError, match="STRATENGINE_DUCKDB_THREADS"):
        build_resources()

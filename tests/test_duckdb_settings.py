"""DuckDB's memory limit and thread count are settings (issue 11: a memory limit for DuckDB), read in one place."""

import os

import pytest

from resources import settings
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


def test_the_memory_limit_defaults_to_a_quarter_of_the_machine_at_most_3_gb(monkeypatch, tmp_path):
    monkeypatch.setenv("STRATENGINE_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.delenv("STRATENGINE_DUCKDB_MEMORY_LIMIT", raising=False)
    with resolved_resources()["warehouse"].get_connection() as conn:
        limit = conn.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    expected = min(3e9, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 4)  # bytes
    number, unit = limit.split()  # DuckDB shows it in MiB or GiB, one decimal
    assert abs(float(number) * {"MiB": 2**20, "GiB": 2**30}[unit] - expected) < 0.05 * expected


@pytest.mark.parametrize(
    "variable,read",
    [
        ("STRATENGINE_PASS_SESSIONS", lambda: settings.pass_sessions()),
        ("STRATENGINE_COMPUTE_THREADS", lambda: settings.compute_threads()),
        ("STRATENGINE_COMPUTE_PROCESSES", lambda: settings.compute_processes()),
        ("STRATENGINE_BACKFILL_PARTITIONS_PER_RUN", lambda: settings.backfill_partitions_per_run()),
        ("STRATENGINE_DUCKDB_THREADS", lambda: int(settings.duckdb_config()["threads"])),
    ],
)
def test_every_whole_number_setting_reads_the_same_way(monkeypatch, variable, read):
    """One reading for every count: a whole number >= 1 taken as given, anything else refused naming the variable."""
    monkeypatch.setenv(variable, " 7 ")
    assert read() == 7
    for bad in ("0", "-2", "1.5", "many"):
        monkeypatch.setenv(variable, bad)
        with pytest.raises(ValueError, match=f"{variable} must be a whole number >= 1, got '{bad}'"):
            read()

"""Shared fixtures: a throwaway project (warehouse file, landing zone, Dagster home) per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

RAM_DISK = Path("/dev/shm")


def pytest_configure(config: pytest.Config) -> None:
    """Temp folders on the RAM disk where there is one: every test's Dagster instance is SQLite, and its commits
    and fsyncs on a slow disk cost more than the pipeline's work (bench/event_log.py: 21.5 against 14.5 ms a
    partition here)."""
    if config.option.basetemp is None and RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK):
        config.option.basetemp = tempfile.mkdtemp(prefix="stratengine-tests-", dir=RAM_DISK)
        config.stash[_RAM_TEMP] = config.option.basetemp


def pytest_unconfigure(config: pytest.Config) -> None:
    if _RAM_TEMP in config.stash:
        shutil.rmtree(config.stash[_RAM_TEMP], ignore_errors=True)  # RAM, not disk: give it back


_RAM_TEMP = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="also run the tests marked slow (CI leaves them out)")


# the suite runs on two xdist workers, one test file at a time each (pyproject's addopts): these files take a minute
# or more (tests/test_sequence.py three), so they start first and the two workers finish together
LONGEST_FIRST = ("test_sequence", "test_parallel_runs", "test_incremental", "test_demo", "test_ducklake")


def _start_order(item: pytest.Item) -> int:
    module = item.path.stem
    return LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_start_order)  # stable: each file keeps its own order
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="marked slow: run with pytest --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def point_at_project(env: pytest.MonkeyPatch, home: Path) -> dict:
    """Point StratEngine's variables at a new project folder (its own Dagster home, default calendar); return the
    resources built from them. Module fixtures pass a MonkeyPatch.context()."""
    (home / ".dagster_home").mkdir(parents=True)
    (home / ".dagster_home" / "dagster.yaml").touch()
    env.setenv("STRATENGINE_HOME", str(home))
    env.setenv("DAGSTER_HOME", str(home / ".dagster_home"))
    for name in ("STRATENGINE_WAREHOUSE", "STRATENGINE_LANDING_DIR", "STRATENGINE_START_DATE", "STRATENGINE_END_DATE"):
        env.delenv(name, raising=False)
    from resources.settings import build_resources

    return build_resources()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Env vars pointing StratEngine at a temp folder; returns the resources built from them."""
    return point_at_project(monkeypatch, tmp_path / "project")


@pytest.fixture
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip("../shared/data/real is not present on this machine")
    return REAL_DATA


PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "test"}


@pytest.fixture
def postgres_database():
    """A throwaway database on the local PostgreSQL server (skipped without one), dropped afterwards."""
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(**PG, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432: {exc}")
    admin.autocommit = True
    name = f"stratengine_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")
    admin.close()


def lake_catalog(database: str) -> str:
    """The libpq string of a DuckLake catalog in that database on the local server."""
    return f"dbname={database} host=127.0.0.1 port=5432 user=postgres"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto_server on a free loopback port for this module, with dummy credentials."""
    server = Path(sys.executable).with_name("moto_server")
    if not server.exists():
        pytest.skip("moto_server is not installed (pip install -e '.[test]')")
    port = _free_port()
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("moto_server did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)

"""Scale-out with Dagster's own machinery: `dagster-daemon` over the production instance (deploy/dagster.yaml on
the local PostgreSQL) runs a backfill split into several runs side by side against the DuckLake warehouse, and the
warehouse ends equal to the one a single run builds from the same files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

from dagster import AssetKey, DagsterInstance
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill

from partitions import month_keys
from tests.helpers import stop_group
from tests.sandbox import Sandbox, differences
from tests.test_ducklake import lake_sandbox

ROOT = Path(__file__).resolve().parents[1]
DAEMON = Path(sys.executable).with_name("dagster-daemon")
PER_RUN = 1  # month partition per run: 50 sessions from 2010-01-04 are three months, three runs
ASSETS = [AssetKey("raw_prices")]


def production_home(sandbox: Sandbox, database: str) -> None:
    """The sandbox's Dagster home on deploy/dagster.yaml over `database`; backfills split into runs of PER_RUN
    months."""
    shutil.copy(ROOT / "deploy" / "dagster.yaml", sandbox.root / ".dagster_home" / "dagster.yaml")
    sandbox.variables.update(
        {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": "5432",
            "DAGSTER_PG_USER": "postgres",
            "DAGSTER_PG_PASSWORD": "",
            "DAGSTER_PG_DB": database,
            "STRATENGINE_BACKFILL_PARTITIONS_PER_RUN": str(PER_RUN),
        }
    )


def launch_backfill(instance: DagsterInstance, keys: list[str]) -> str:
    from stratengine_assets.definitions import defs

    backfill_id = f"parallel{uuid.uuid4().hex[:8]}"
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id=backfill_id,
        asset_graph=defs.resolve_asset_graph(),
        partition_names=keys,
        asset_selection=ASSETS,
        backfill_timestamp=time.time(),
        tags={},
        dynamic_partitions_store=instance,
        all_partitions=False,
        title="parallel runs test",
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill)
    return backfill_id


def wait_for(instance: DagsterInstance, backfill_id: str, daemon: subprocess.Popen, timeout: float = 420) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = instance.get_backfill(backfill_id).status
        if status != BulkActionStatus.REQUESTED:
            assert status == BulkActionStatus.COMPLETED_SUCCESS, status
            return
        assert daemon.poll() is None, "dagster-daemon exited"
        time.sleep(1)
    raise AssertionError(f"backfill {backfill_id} not done after {timeout} s")


def run_partitions(tags: dict[str, str], keys: list[str]) -> int:
    """How many of the keys a run's partition range covers."""
    first, last = tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]
    return sum(first <= key <= last for key in keys)


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of (start, end) intervals that overlap at one moment."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


def test_a_backfill_split_into_runs_executes_them_in_parallel_and_equals_one_run(tmp_path, postgres_database):
    lake = lake_sandbox(tmp_path / "lake", postgres_database)
    production_home(lake, postgres_database)  # Dagster's tables and the lake's catalog share the database
    market = lake.synth(names=6, days=50, seed=5)
    keys = month_keys(market.history_days)
    single = lake.files_copy(tmp_path / "single")

    from cli.update import register

    with lake.opened() as (instance, _, resolved):
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        register(instance, resolved)
        daemon = subprocess.Popen(
            [str(DAEMON), "run", "-w", str(ROOT / "workspace.yaml")],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its code server and run workers go with it
        )
        try:
            backfill_id = launch_backfill(instance, keys)
            wait_for(instance, backfill_id, daemon)
        finally:
            stop_group(daemon)
        records = instance.get_run_records()
        runs = [r for r in records if r.dagster_run.tags.get("dagster/backfill") == backfill_id]
        assert all(r.dagster_run.is_success for r in runs), [r.dagster_run.status for r in runs]
        assert len(runs) == -(-len(keys) // PER_RUN) == 3, "the months split into runs of PER_RUN"
        assert max(run_partitions(r.dagster_run.tags, keys) for r in runs) <= PER_RUN
        at_once = most_at_once([(r.start_time, r.end_time) for r in runs])
        span = max(r.end_time for r in runs) - min(r.start_time for r in runs)
        print(f"{len(runs)} runs, at most {at_once} at once, {span:.0f} s from the first start to the last end")
        assert at_once >= 2, "the runs executed one at a time"
        assert instance.get_materialized_partitions(AssetKey("raw_prices")) == set(keys)

    single.ingest()  # the same files, each asset's days in one run, on an embedded DuckDB file
    assert single.query("SELECT count(*) AS n FROM raw_prices").n[0] == 6 * len(market.history_days)
    assert differences(lake, single, tables=["raw_prices"]) == {}

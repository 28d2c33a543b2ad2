"""The production instance config (deploy/dagster.yaml) against the local PostgreSQL server."""

import shutil
from pathlib import Path

from dagster import AssetKey, DagsterInstance, materialize

from stratengine_assets.common.partition_range import day_range_tags
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.raw_prices import raw_prices
from tests.helpers import ALL_ASSETS, random_walk, write_stooq

ROOT = Path(__file__).resolve().parents[1]


def test_runs_and_partitions_are_recorded_in_postgres(project, postgres_database, monkeypatch, tmp_path):
    home = tmp_path / "pg_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    for key, value in {
        "HOST": "127.0.0.1",
        "PORT": "5432",
        "USER": "postgres",
        "PASSWORD": "",
        "DB": postgres_database,
    }.items():
        monkeypatch.setenv(f"DAGSTER_PG_{key}", value)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    write_stooq(
        Path(project["landing_zone"].root) / "prices" / "stooq" / "aaa.us.txt",
        random_walk("2017-10-02", "2017-10-31", seed=3),
    )
    tags = day_range_tags("2017-10-02", "2017-10-31")
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = materialize(
            ALL_ASSETS, selection=[raw_prices, prices], instance=instance, resources=project, tags=tags
        )
        assert result.success
        materialized = instance.get_materialized_partitions(AssetKey("prices"))
        assert materialized == {"2017-10"}  # one month partition, its sessions built
        event = instance.get_latest_materialization_event(AssetKey("prices"))
        assert event.asset_materialization.metadata["days_built"].value == "2017-10-02..2017-10-31"
        assert instance.get_run_by_id(result.run_id).is_success

"""The DuckLake backend against the local PostgreSQL: the same warehouse as the DuckDB file from the same files, and
several processes writing at once without a lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import lake_catalog
from tests.sandbox import Sandbox, differences


def lake_sandbox(root: Path, database: str) -> Sandbox:
    sandbox = Sandbox(root)
    sandbox.variables.update(
        {
            "STRATENGINE_WAREHOUSE_BACKEND": "ducklake",
            "STRATENGINE_DUCKLAKE_CATALOG": lake_catalog(database),
            "STRATENGINE_DUCKLAKE_DATA_PATH": str(root / "lake"),
        }
    )
    return sandbox


def test_a_build_on_ducklake_equals_the_duckdb_file_build(tmp_path, postgres_database):
    embedded, lake = Sandbox(tmp_path / "file"), lake_sandbox(tmp_path / "lake", postgres_database)
    for sandbox in (embedded, lake):
        sandbox.synth(names=6, days=90, seed=3)
        outcome = sandbox.update(research=True)
        assert not outcome.failed, outcome.failed
    assert lake.query("SELECT current_database() AS catalog").catalog[0] == "lake"
    assert (
        lake.query("SELECT count(*) AS n FROM prices").n[0] == embedded.query("SELECT count(*) AS n FROM prices").n[0]
    )
    assert list((tmp_path / "lake" / "lake").rglob("*.parquet")), "the lake's data are Parquet files in its folder"
    assert differences(embedded, lake) == {}


WRITER = textwrap.dedent(
    """
    import sys, time
    from resources.warehouse import DuckLakeWarehouseResource
    import pandas as pd
    lake = DuckLakeWarehouseResource(catalog=sys.argv[1], data_path=sys.argv[2])
    name = sys.argv[3]
    frame = pd.DataFrame({"asset": [name] * 3, "partition_key": ["a", "b", "c"], "reason": "test",
                          "marked_at": pd.Timestamp("2020-01-01")})
    with lake.session() as store, store.transaction():
        store.append("stale_partitions", frame)
        print("open", time.time(), flush=True)
        time.sleep(float(sys.argv[4]))
    print("committed", time.time(), flush=True)
    """
)


def test_two_processes_hold_write_transactions_on_one_lake_at_once(tmp_path, postgres_database):
    from resources.warehouse import DuckLakeWarehouseResource

    catalog, data = lake_catalog(postgres_database), str(tmp_path / "lake")
    with DuckLakeWarehouseResource(catalog=catalog, data_path=data).session() as store:
        assert store.count("stale_partitions") == 0
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, catalog, data, name, "4"], stdout=subprocess.PIPE, text=True)
        for name in ("first", "second")
    ]
    outputs = [writer.communicate(timeout=120)[0].split() for writer in writers]
    assert all(writer.returncode == 0 for writer in writers)
    assert [output[::2] for output in outputs] == [["open", "committed"]] * 2
    (first_open, first_commit), (second_open, second_commit) = ([float(t) for t in out[1::2]] for out in outputs)
    # each wrote its rows before the other committed: both held a write transaction at once (whatever start-up took)
    assert first_open < second_commit and second_open < first_commit, f"the writers waited on each other: {outputs}"
    with DuckLakeWarehouseResource(catalog=catalog, data_path=data).session() as store:
        assert store.count_by("stale_partitions", "asset") == {"first": 3, "second": 3}


def test_a_bad_catalog_string_is_refused_before_it_reaches_sql(tmp_path):
    from resources.warehouse import DuckLakeWarehouseResource

    for catalog in ("dbname=x' AS y", "dbname=x password=secret", ""):
        with (
            pytest.raises(ValueError, match="libpq"),
            DuckLakeWarehouseResource(catalog=catalog, data_path=str(tmp_path)).session(),
        ):
            pass


def test_the_lake_keeps_its_data_on_s3(tmp_path, postgres_database, s3_endpoint, monkeypatch):
    import boto3
    import pandas as pd

    from resources.settings import warehouse

    for name, value in {
        "STRATENGINE_WAREHOUSE_BACKEND": "ducklake",
        "STRATENGINE_DUCKLAKE_CATALOG": lake_catalog(postgres_database),
        "STRATENGINE_DUCKLAKE_DATA_PATH": "s3://lake-data/warehouse",
        "STRATENGINE_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
    }.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="lake-data")
    lake = warehouse(resolved=True)
    assert "not-a-real-secret" not in lake.describe() and "not-a-real-secret" not in repr(lake.location())
    # more rows than DuckLake inlines into its catalog, so they go to a Parquet file
    frame = pd.DataFrame({"ticker": [f"T{i:05d}" for i in range(20_000)], "vendor": "v", "source_file": "f"})
    with lake.session() as store:
        store.append("actions_coverage", frame)
    with warehouse(resolved=True).session() as store:
        assert store.read("actions_coverage", order_by=["ticker"])["ticker"].tolist() == frame["ticker"].tolist()
    listed = s3.list_objects_v2(Bucket="lake-data").get("Contents", [])
    assert any(item["Key"].startswith("warehouse/") and item["Key"].endswith(".parquet") for item in listed)


DELETER = textwrap.dedent(
    """
    import sys
    from resources.warehouse import DuckLakeWarehouseResource
    from storage.warehouse import eq
    with DuckLakeWarehouseResource(catalog=sys.argv[1], data_path=sys.argv[2]).session() as store:
        store.delete("stale_partitions", eq("partition_key", "b"))
    """
)


def test_a_commit_that_conflicts_with_another_writer_asks_dagster_to_run_the_step_again(tmp_path, postgres_database):
    import pandas as pd
    from dagster import RetryRequested

    from resources.warehouse import DuckLakeWarehouseResource
    from storage.warehouse import eq

    catalog, data = lake_catalog(postgres_database), str(tmp_path / "lake")
    lake = DuckLakeWarehouseResource(catalog=catalog, data_path=data)
    marks = pd.DataFrame({"asset": "x", "partition_key": ["a", "b"], "reason": "t", "marked_at": pd.Timestamp(0)})
    with lake.session() as store:
        store.append("stale_partitions", marks)  # one data file: deletes of either row touch it
    with pytest.raises(RetryRequested), lake.session() as store, store.transaction():
        store.delete("stale_partitions", eq("partition_key", "a"))
        subprocess.run([sys.executable, "-c", DELETER, catalog, data], check=True, timeout=120)
    with lake.session() as store:  # the loser wrote nothing; the winner's delete stands
        assert store.read("stale_partitions")["partition_key"].tolist() == ["a"]


def test_a_missing_or_unreachable_catalog_says_so_in_one_line(tmp_path, postgres_database):
    from resources.warehouse import DuckLakeWarehouseResource

    cases = {
        "dbname=stratengine_no_such_lake host=127.0.0.1 user=postgres": "createdb stratengine_no_such_lake",
        "dbname=test host=127.0.0.1 port=1 user=postgres": "cannot reach the DuckLake catalog",
    }
    for catalog, says in cases.items():
        with (
            pytest.raises(ValueError, match=says) as refused,
            DuckLakeWarehouseResource(catalog=catalog, data_path=str(tmp_path)).session(),
        ):
            pass
        assert "\n" not in str(refused.value)

"""The landing zone in S3, against a real S3 endpoint (moto's standalone server) on 127.0.0.1."""

import os
from pathlib import Path

import boto3
import pytest
from dagster import DagsterInstance, materialize

from resources.s3_landing_zone import S3LandingZone
from resources.settings import build_resources, resolved_resources
from stratengine_assets.common.partition_range import day_range_tags
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.raw_prices import raw_prices
from tests.helpers import ALL_ASSETS, count, random_walk, tick, write_stooq

BUCKET = "vendor-drops"
RANGE = day_range_tags("2017-10-02", "2017-10-31")


@pytest.fixture
def s3_project(project, s3_endpoint, monkeypatch, tmp_path):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "STRATENGINE_LANDING_S3_BUCKET": BUCKET,
        "STRATENGINE_LANDING_S3_PREFIX": f"drops/{tmp_path.name}",
        "STRATENGINE_S3_ENDPOINT_URL": s3_endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    return build_resources()


def _sources(tmp_path: Path) -> list[Path]:
    return [
        write_stooq(tmp_path / "src" / f"{t}.us.txt", random_walk("2017-09-01", "2017-11-10", seed=i))
        for i, t in enumerate(["aaa", "bbb"])
    ]


def test_files_land_list_and_parse_through_s3(s3_project, tmp_path):
    zone = resolved_resources()["landing_zone"]
    assert isinstance(zone, S3LandingZone)
    for source in _sources(tmp_path):
        zone.land(source, "prices", "stooq")
    listed = zone.files("prices")
    assert [f.key for f in listed] == ["prices/stooq/aaa.us.txt", "prices/stooq/bbb.us.txt"]
    assert all(len(f.version) == 32 for f in listed)  # single-part ETag = MD5
    assert zone.local_path(listed[0]).read_text().startswith("Date,Open")
    zone.land(_sources(tmp_path)[0], "prices", "stooq")
    assert zone.files("prices") == listed  # the same content delivered again is not a new version


def test_assets_and_sensor_read_the_s3_zone(s3_project, tmp_path):
    zone = resolved_resources()["landing_zone"]
    for source in _sources(tmp_path):
        zone.land(source, "prices", "stooq")
    instance = DagsterInstance.ephemeral()
    planned = tick(instance, s3_project)
    assert planned["raw_prices"] == ["2017-09", "2017-10", "2017-11"]  # the months of 2017-09-01..2017-11-10
    assert sorted(instance.get_dynamic_partitions("tickers")) == ["AAA", "BBB"]
    result = materialize(
        ALL_ASSETS, selection=[raw_prices, prices], instance=instance, resources=s3_project, tags=RANGE
    )
    assert result.success
    warehouse = resolved_resources()["warehouse"]
    assert count(warehouse, "SELECT count(*) FROM prices") == 2 * 22
    assert (
        count(warehouse, "SELECT count(DISTINCT source_file) FROM prices WHERE source_file LIKE 'prices/stooq/%'") == 2
    )
    assert os.environ["STRATENGINE_LANDING_S3_BUCKET"] == BUCKET

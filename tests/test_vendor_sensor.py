"""vendor_file_sensor on a real instance and real files in a landing zone."""

import os
from pathlib import Path

from dagster import DagsterInstance, build_sensor_context

from resources import WarehouseResource
from sensors.vendor_files import FileCursor, vendor_file_sensor
from tests.helpers import random_walk, write_stooq

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def _tick(instance, zone, cursor=None, warehouse=None):
    resources = {
        "landing_zone": zone,
        "warehouse": warehouse or WarehouseResource(database=str(Path(zone.root) / "w.db")),
    }
    with build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        return vendor_file_sensor(context)


def _stooq(zone, ticker: str, first: str, last: str, seed: int = 1) -> Path:
    return write_stooq(Path(zone.root) / "prices" / "stooq" / f"{ticker}.us.txt", random_walk(first, last, seed))


def test_history_file_is_one_range_run_and_adds_its_ticker(project):
    zone, instance = project["landing_zone"], DagsterInstance.ephemeral()
    _stooq(zone, "brk-b", "2010-01-04", "2016-12-30")
    result = _tick(instance, zone)
    assert len(result.run_requests) == 1
    request = result.run_requests[0]
    assert request.job_name == "daily_update_job"
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2010-01-04", "2016-12-30")
    assert result.dynamic_partitions_requests[0].partition_keys == ["BRK.B"]
    assert _tick(instance, zone, result.cursor).run_requests == []


def test_daily_file_requests_its_day_and_a_changed_file_runs_again(project):
    zone, instance = project["landing_zone"], DagsterInstance.ephemeral()
    daily = Path(zone.root) / "prices" / "canonical" / "prices_2017-11-10.csv"
    daily.parent.mkdir(parents=True)
    daily.write_text("date,ticker,open,high,low,close,adj_close,volume\n2017-11-10,AAA,1,1,1,1,1,10\n")
    first = _tick(instance, zone)
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in first.run_requests] == [("2017-11-10", "2017-11-10")]
    assert first.dynamic_partitions_requests == []  # a multi-ticker file names no ticker in its file name
    daily.write_text(daily.read_text() + "2017-11-10,BBB,2,2,2,2,2,20\n")
    stat = daily.stat()
    os.utime(daily, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = _tick(instance, zone, first.cursor)
    assert len(second.run_requests) == 1
    assert second.run_requests[0].run_key != first.run_requests[0].run_key


def test_same_file_version_seen_twice_gives_one_run_key(project):
    zone, instance = project["landing_zone"], DagsterInstance.ephemeral()
    _stooq(zone, "aaa", "2017-01-03", "2017-06-30")
    once = _tick(instance, zone).run_requests
    again = _tick(instance, zone, cursor=None).run_requests  # a reset cursor sees the file again
    assert [r.run_key for r in once] == [r.run_key for r in again]


def test_cursor_keeps_files_with_equal_modification_times_apart():
    cursor = FileCursor(modified=10.0, seen_at_modified=["prices/stooq/a.us.txt@1"])
    from resources.landing_zone import LandedFile

    same_time_other_file = LandedFile("prices/stooq/b.us.txt", 5, "1", 10.0)
    assert cursor.is_new(same_time_other_file)
    assert not cursor.is_new(LandedFile("prices/stooq/a.us.txt", 5, "1", 10.0))


def test_unreadable_file_still_gets_a_run_so_the_manifest_records_it(project):
    zone, instance = project["landing_zone"], DagsterInstance.ephemeral()
    path = Path(zone.root) / "prices" / "stooq" / "bad.us.txt"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    result = _tick(instance, zone)
    assert len(result.run_requests) == 1


def test_files_the_warehouse_already_ingested_are_passed_over(project):
    from dagster import materialize

    from stratengine_assets.ingestion.raw_prices import raw_prices
    from tests.helpers import ALL_ASSETS

    zone, instance = project["landing_zone"], DagsterInstance.ephemeral()
    _stooq(zone, "aaa", "2017-10-02", "2017-10-31")
    tags = {RANGE_START: "2017-10-02", RANGE_END: "2017-10-31"}
    assert materialize(ALL_ASSETS, selection=[raw_prices], instance=instance, resources=project, tags=tags).success
    _stooq(zone, "bbb", "2017-10-02", "2017-10-31", seed=2)
    result = _tick(instance, zone, warehouse=project["warehouse"])
    assert [r.run_key.split(":")[1] for r in result.run_requests] == ["prices/stooq/bbb.us.txt"]


def test_reference_files_read_by_their_assets_are_passed_over(project):
    from dagster import materialize

    from stratengine_assets.ingestion.securities import securities
    from tests.helpers import ALL_ASSETS

    zone, instance = project["landing_zone"], DagsterInstance.ephemeral()
    master = Path(zone.root) / "securities" / "sp500_master" / "securities.csv"
    master.parent.mkdir(parents=True)
    master.write_text("Ticker Symbol,Security,GICS Sector,GICS Sub Industry,CIK\nAAA,A Inc,Energy,Oil,1\n")
    assert materialize(ALL_ASSETS, selection=[securities], instance=instance, resources=project).success
    assert _tick(instance, zone, warehouse=project["warehouse"]).run_requests == []

"""Time vendor_file_sensor ticks over N landed Stooq files: `python bench/sensor_tick.py --files 10000`."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dagster import DagsterInstance, build_sensor_context  # noqa: E402

from quant.calendar import trading_days  # noqa: E402
from resources import DuckDBWarehouseResource  # noqa: E402
from resources.landing_zone import LocalLandingZone  # noqa: E402
from sensors.vendor_files import vendor_file_sensor  # noqa: E402


def write_files(root: Path, count: int, days: int) -> None:
    """count Stooq files of `days` rows each, tickers T00000...; content varies by file."""
    folder = root / "prices" / "stooq"
    folder.mkdir(parents=True)
    dates = trading_days("2016-01-04", "2017-12-29")[:days].strftime("%Y-%m-%d")
    rng = np.random.default_rng(0)
    for i in range(count):
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
        rows = "\n".join(
            f"{d},{c:.3f},{c * 1.01:.3f},{c * 0.99:.3f},{c:.3f},100000,0" for d, c in zip(dates, close, strict=True)
        )
        (folder / f"t{i:05d}.us.txt").write_text(f"Date,Open,High,Low,Close,Volume,OpenInt\n{rows}\n")


def tick(zone: LocalLandingZone, instance: DagsterInstance, cursor: str | None) -> tuple[float, object]:
    """One evaluation, timed; the warehouse (which the tick consults) is an empty file beside the zone."""
    warehouse = DuckDBWarehouseResource(database=str(Path(zone.root) / "warehouse.duckdb"))
    resources = {"landing_zone": zone, "warehouse": warehouse}
    with build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        started = time.perf_counter()
        result = vendor_file_sensor(context)
        return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_files(Path(tmp), args.files, args.days)
        print(f"wrote {args.files:,} files x {args.days} rows in {time.perf_counter() - started:.1f}s")
        zone = LocalLandingZone(root=tmp)
        with DagsterInstance.ephemeral() as instance:
            fresh = [tick(zone, instance, None) for _ in range(args.repeat)]
            result = fresh[-1][1]
            idle = [tick(zone, instance, result.cursor)[0] for _ in range(args.repeat)]
    print(
        f"tick with {args.files:,} new files: median {statistics.median(t for t, _ in fresh):.2f}s "
        f"(runs {[round(t, 2) for t, _ in fresh]}), {len(result.run_requests)} run request(s), "
        f"{len(result.dynamic_partitions_requests[0].partition_keys):,} new tickers"
    )
    print(f"tick with nothing new: median {statistics.median(idle):.2f}s (runs {[round(t, 2) for t in idle]})")


if __name__ == "__main__":
    main()

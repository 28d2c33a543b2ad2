"""Dagster's bookkeeping per partition: one single-run materialization of a trivial asset over N trading days on a
real SQLite instance, with the event-log settings given in the environment.

    python bench/event_log.py [--days 2000] [--repeat 3]
    DAGSTER_EVENT_BATCH_SIZE=1000 python bench/event_log.py

Prints the median wall time, its per-partition share and the materialization events recorded.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    DagsterInstance,
    DailyPartitionsDefinition,
    asset,
    materialize,
)

PARTITIONS = DailyPartitionsDefinition(start_date="2000-01-01")


@asset(partitions_def=PARTITIONS, backfill_policy=BackfillPolicy.single_run())
def trivial(context: AssetExecutionContext) -> None:
    """Writes nothing: the run's cost is Dagster's."""


def one_run(days: int) -> tuple[float, int]:
    keys = PARTITIONS.get_partition_keys()[:days]
    with tempfile.TemporaryDirectory() as home:
        Path(home, "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        with DagsterInstance.from_config(home) as instance:
            tags = {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}
            started = time.perf_counter()
            assert materialize([trivial], instance=instance, tags=tags).success
            seconds = time.perf_counter() - started
            return seconds, len(instance.get_materialized_partitions(AssetKey("trivial")))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    runs = [one_run(args.days) for _ in range(args.repeat)]
    median = statistics.median(seconds for seconds, _ in runs)
    settings = {k: v for k, v in os.environ.items() if k.startswith("DAGSTER_E")}
    print(
        f"{args.days:,} partitions in one run: {median:.2f} s median ({1000 * median / args.days:.1f} ms per "
        f"partition), {runs[0][1]:,} materialized; settings {settings or 'none'}"
    )


if __name__ == "__main__":
    main()

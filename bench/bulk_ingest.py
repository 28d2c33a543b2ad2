"""Bulk history ingest against DuckDB's own read_csv of the same files (issue 11: at most 2x).

Run from the repository root:  python bench/bulk_ingest.py --names 500 --days 2500 [--json PATH]
Writes a synthetic market as Stooq files (one per ticker, adjusted bars), then times (a) DuckDB's read_csv of all of
them into one table, and (b) StratEngine's ingestion of the same landing zone, as `stratengine update` runs it:
registration (hashing, parsing, the manifest), then raw_prices, prices and the other ingestion steps, each a Dagster
run (its modules imported before the clock starts). Prints the figures and the ratio; --json writes them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.sandbox import Sandbox  # noqa: E402
from vendors.synthetic import SyntheticMarket  # noqa: E402


def duckdb_read(folder: Path, database: Path) -> tuple[float, int]:
    """Seconds for read_csv over every file into a table, and the rows read."""
    import duckdb

    with duckdb.connect(str(database)) as conn:
        started = time.perf_counter()
        conn.execute(
            "CREATE TABLE bars AS SELECT * FROM read_csv(?, header = true, filename = true)",
            [str(folder / "*.us.txt")],
        )
        seconds = time.perf_counter() - started
        return seconds, conn.execute("SELECT count(*) FROM bars").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=500)
    parser.add_argument("--days", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="result file")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bulk-ingest-"))
    try:
        project = Sandbox(work / "project", strategies=None)
        market = SyntheticMarket(args.names, args.days, args.seed)
        started = time.perf_counter()
        files = market.write_stooq(project.landing)
        print(f"{len(files):,} Stooq files written in {time.perf_counter() - started:.1f} s")
        read_s, rows = duckdb_read(files[0].parent, work / "read_csv.duckdb")
        print(f"DuckDB read_csv: {rows:,} rows in {read_s:.2f} s")
        import cli.update  # noqa: F401  (the CLI's imports, 3-4 s, are not ingestion: read_csv's are not timed either)

        started = time.perf_counter()
        outcome = project.ingest()
        ingest_s = time.perf_counter() - started
        steps = {label: round(seconds, 2) for label, seconds in outcome.seconds.items()}
        print(f"StratEngine ingestion: {ingest_s:.2f} s ({ingest_s / read_s:.1f}x read_csv); steps: {steps}")
        result = {
            "names": args.names,
            "days": args.days,
            "files": len(files),
            "rows": rows,
            "read_csv_s": read_s,
            "ingest_s": ingest_s,
            "ratio": ingest_s / read_s,
            "steps_s": steps,
            "failed": outcome.failed,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

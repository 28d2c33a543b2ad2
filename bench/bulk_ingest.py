"""Bulk history ingest against DuckDB's own read_csv of the same files (issue 11: at most 2x).

Run from the repository root:  python bench/bulk_ingest.py --names 500 --days 2500 [--json PATH] [--workdir D]
Writes a synthetic market as Stooq files (one per ticker, adjusted bars), then times (a) DuckDB's read_csv of all of
them into one table, and (b) StratEngine's ingestion of the same landing zone, as `stratengine update` runs it:
registration (hashing, parsing, the manifest), then raw_prices, prices and the other ingestion steps, each a Dagster
run (its modules imported before the clock starts). Prints the figures and the ratio; --json writes them.
With --workdir the folder is kept: the Stooq files written there are reused by the next run with the same sizes
(writing 5,000 of them takes minutes) and the project's warehouse stays for a look at what was ingested.
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

    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as conn:
        started = time.perf_counter()
        conn.execute(
            "CREATE TABLE bars AS SELECT * FROM read_csv(?, header = true, filename = true)",
            [str(folder / "*.us.txt")],
        )
        seconds = time.perf_counter() - started
        return seconds, conn.execute("SELECT count(*) FROM bars").fetchone()[0]


def stooq_files(folder: Path, names: int, days: int, seed: int) -> list[Path]:
    """The synthetic market's Stooq files under folder/prices/stooq, written unless a complete set is there."""
    done = folder / "complete"
    if done.exists():
        return sorted(folder.rglob("*.us.txt"))
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    files = SyntheticMarket(names, days, seed).write_stooq(folder)
    done.touch()
    print(f"{len(files):,} Stooq files written in {time.perf_counter() - started:.1f} s")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=500)
    parser.add_argument("--days", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="result file")
    parser.add_argument("--workdir", help="a folder kept after the run; its Stooq files are reused")
    args = parser.parse_args(argv)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bulk-ingest-"))
    try:
        files = stooq_files(work / f"stooq_{args.names}x{args.days}_{args.seed}", args.names, args.days, args.seed)
        shutil.rmtree(work / "project", ignore_errors=True)
        project = Sandbox(work / "project", strategies=None)
        shutil.copytree(files[0].parent.parent, project.landing / "prices", dirs_exist_ok=True)
        files = sorted(project.landing.rglob("*.us.txt"))
        read_s, rows = duckdb_read(files[0].parent, work / "read_csv.duckdb")
        print(f"DuckDB read_csv: {rows:,} rows in {read_s:.2f} s")
        import cli.update  # noqa: F401  (the CLI's imports, 3-4 s, are not ingestion: read_csv's are not timed either)

        started = time.perf_counter()
        outcome = project.ingest()
        ingest_s = time.perf_counter() - started
        steps = {label: round(seconds, 2) for label, seconds in outcome.seconds.items()}
        steps = {"registration (the rest)": round(ingest_s - sum(steps.values()), 2), **steps}
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
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

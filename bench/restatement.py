"""What a one-day restatement costs against a full rebuild, on the bundled sample (40 S&P 500 names and SPY, Stooq
files, 2014 to 2017-11-10) with the bundled strategies.

Run from the repository root:  python bench/restatement.py [--back 200] [--ticker JPM] [--repeat 3]
Builds the sample from scratch, re-delivers one ticker's Stooq file with its close `--back` sessions before the
end 2% higher, runs `stratengine update` (timed, partitions per step counted), and compares the result with a
from-scratch build of the restated files (timed: the full rebuild), every table to 1e-9. With --repeat the
restatement is timed again on fresh copies of the built project; medians are printed. Writes
bench/out/restatement.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cli.demo import SAMPLE_DIR  # noqa: E402
from tests.sandbox import Sandbox, differences  # noqa: E402


def land_sample(project: Sandbox) -> None:
    for path in sorted(SAMPLE_DIR.glob("*/*/*")):
        target = project.landing / path.relative_to(SAMPLE_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def restate(project: Sandbox, ticker: str, back: int, factor: float = 1.02) -> str:
    """The ticker's Stooq file again with the close (and the bar around it) `back` sessions before its end scaled."""
    path = project.landing / "prices" / "stooq" / f"{ticker.lower()}.us.txt"
    header, *rows = path.read_text().splitlines()
    fields = rows[-1 - back].split(",")
    fields[1:5] = [f"{float(value) * factor:.4f}" for value in fields[1:5]]
    rows[-1 - back] = ",".join(fields)
    path.write_text("\n".join([header, *rows]) + "\n")
    return fields[0]


def timed_update(project: Sandbox) -> tuple[float, object]:
    started = time.perf_counter()
    outcome = project.update()
    return time.perf_counter() - started, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--back", type=int, default=200, help="sessions before the last day of the sample")
    parser.add_argument("--ticker", default="JPM")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", default=str(REPO / "bench" / "out" / "restatement.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="restatement-") as work:
        root = Path(work)
        built = Sandbox(root / "built", strategies=None)
        land_sample(built)
        first_build, outcome = timed_update(built)
        assert not outcome.failed, outcome.failed
        print(f"full build of the sample: {first_build:.1f}s", flush=True)
        seconds, day, steps = [], None, {}
        for attempt in range(args.repeat):
            project = built.clone(root / f"restated{attempt}")
            day = restate(project, args.ticker, args.back)
            elapsed, outcome = timed_update(project)
            assert not outcome.failed, outcome.failed
            seconds.append(elapsed)
            steps = {step.name: step.count for plan in outcome.plans for step in plan.steps}
            print(f"restated {args.ticker} {day}: update {elapsed:.1f}s, partitions {steps}", flush=True)
        scratch = project.files_copy(root / "scratch")
        rebuild, outcome = timed_update(scratch)
        found = differences(project, scratch)
        days = int(scratch.query("SELECT count(DISTINCT date) AS n FROM prices")["n"][0])
    result = {
        "ticker": args.ticker,
        "restated_day": day,
        "sessions_back": args.back,
        "sample_days": days,
        "partitions_recomputed": steps,
        "partitions_total": sum(steps.values()),
        "update_seconds": seconds,
        "update_seconds_median": statistics.median(seconds),
        "full_rebuild_seconds": rebuild,
        "first_build_seconds": first_build,
        "rebuild_over_update": rebuild / statistics.median(seconds),
        "differences": found,
    }
    print(json.dumps(result, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())

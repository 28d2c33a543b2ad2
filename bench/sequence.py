"""The delivery-sequence invariant at a larger size: seeded random sequences of deliveries (history chunks, daily
files in and out of order, restatements, re-deliveries under other names, touches, removals, SIGKILLed updates),
each ended by comparing the warehouse with a from-scratch build of its final files, every table to 1e-9.

Run from the repository root:  python bench/sequence.py [--seeds 1 2 3] [--names 20] [--days 300] [--kills 3]
Prints one line per delivery and a summary per seed; writes bench/out/sequence.json. Exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.sequence import Size, run_sequence  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--names", type=int, default=20)
    parser.add_argument("--days", type=int, default=300)
    parser.add_argument("--history-share", type=float, default=0.8)
    parser.add_argument("--restatements", type=int, default=5)
    parser.add_argument("--redeliveries", type=int, default=4)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--out", default=str(REPO / "bench" / "out" / "sequence.json"))
    args = parser.parse_args(argv)
    size = Size(args.names, args.days, 3, args.history_share, args.restatements, args.redeliveries, args.kills)
    results, failed = [], False
    for seed in args.seeds:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"sequence-{seed}-") as work:
            report = run_sequence(Path(work), seed, size, say=lambda line: print(f"  {line}", flush=True))
        summary = {"seed": seed, "size": vars(size), **report.summary(), "seconds": time.perf_counter() - started}
        failed |= bool(report.differences)
        results.append(summary)
        print(json.dumps(summary, indent=2), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"{'DIFFERENT' if failed else 'equal'}: {len(results)} sequences; written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

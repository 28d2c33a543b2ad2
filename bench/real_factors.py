"""The price-times-shares factors on the real sample (../shared/data/real: 100 S&P 500 names and SPY, 2010-2017):
their 21-day rank ICs, one-day market-cap jumps, CRM's market cap through its 4:1 split of 2013-04-18, and the
factor_evaluation step's time. A bench, not a test: it reads ../shared, which the product never does.

Run from the repository root:  python bench/real_factors.py [--shared ../shared/data/real] [--actions DIR]
--actions lands a folder of corporate-actions files too (corporate_actions/<vendor>/...). Writes
bench/out/real_factors.json.
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

FACTORS = ("size", "book_to_price", "earnings_yield")
JUMP = 1.5  # a one-day market-cap move beyond this factor (either way) counts as a jump


def land(project: Sandbox, shared: Path, actions: Path | None) -> None:
    for path in sorted((shared / "prices_stooq").glob("*.txt")):
        project.write(f"prices/stooq/{path.name}", path.read_text())
    project.write("securities/sp500_master/securities.csv", (shared / "securities.csv").read_text())
    project.write("fundamentals/annual_csv/fundamentals_annual.csv", (shared / "fundamentals_annual.csv").read_text())
    if actions is not None:
        for path in sorted(actions.rglob("*.csv")):
            target = project.landing / "corporate_actions" / path.relative_to(actions)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def measure(project: Sandbox) -> dict:
    ics = project.query(
        "SELECT factor, mean_spearman_ic, ic_ir, days FROM factor_evaluation WHERE horizon = 21 AND factor IN ?",
        [list(FACTORS)],
    )
    caps = project.query(
        "SELECT ticker, date, exp(size__raw_value) AS cap FROM factors WHERE size__raw_value IS NOT NULL "
        "ORDER BY ticker, date"
    )
    caps["ratio"] = caps.groupby("ticker")["cap"].pct_change() + 1
    jumps = caps[(caps["ratio"] > JUMP) | (caps["ratio"] < 1 / JUMP)]
    events = project.query(
        "SELECT DISTINCT ticker, known_at AS date FROM fundamentals WHERE metric = 'shares_outstanding'"
    ).assign(share_event=True)
    unexplained = jumps.merge(events, on=["ticker", "date"], how="left")
    unexplained = unexplained[unexplained["share_event"].isna()]
    crm = caps[(caps["ticker"] == "CRM") & caps["date"].between("2013-04-10", "2014-06-30")]
    return {
        "ic_21d": {
            r.factor: {"mean_rank_ic": r.mean_spearman_ic, "ic_ir": r.ic_ir, "days": int(r.days)}
            for r in ics.itertuples()
        },
        "names_with_size": int(caps["ticker"].nunique()),
        "cap_jumps": len(jumps),
        "cap_jumps_without_share_event": len(unexplained),
        "names_with_jumps": int(jumps["ticker"].nunique()),
        "jump_examples": jumps.head(10).astype(str).to_dict("records"),
        "crm_max_daily_cap_ratio": float(crm["ratio"].max()) if len(crm) else None,
        "crm_min_daily_cap_ratio": float(crm["ratio"].min()) if len(crm) else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(REPO.parent / "shared" / "data" / "real"))
    parser.add_argument("--actions", help="a folder of corporate-actions files, as <vendor>/<file>")
    parser.add_argument("--out", default=str(REPO / "bench" / "out" / "real_factors.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="real-factors-") as work:
        project = Sandbox(Path(work) / "project", strategies=None)
        land(project, Path(args.shared), Path(args.actions) if args.actions else None)
        started = time.perf_counter()
        outcome = project.update()
        seconds = time.perf_counter() - started
        result = {
            "build_seconds": seconds,
            "failed": outcome.failed,
            "step_seconds": {label: round(s, 1) for label, s in outcome.seconds.items()},
            **measure(project),
        }
    print(json.dumps(result, indent=2, default=str))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

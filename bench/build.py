"""Benchmark the full build and one daily update on synthetic vendor files: wall time and peak RSS per phase.

Run from the repository root:  python bench/build.py --names 500 --days 2500 [--json PATH] [--workdir DIR] [--keep]
Each phase runs in its own child process (this script with --phase) that writes its outcome as JSON; the parent
times it and takes its peak RSS from wait4, so a phase that crashes or is killed is still measured.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from quant.strategies import BUNDLED_STRATEGIES  # noqa: E402
from resources.settings import ONE_PLANNED_EVENT_PER_RUN  # noqa: E402
from vendors.synthetic import DEFAULT_SEED, FIRST_DAY, SyntheticMarket  # noqa: E402

if TYPE_CHECKING:
    from dagster import DagsterInstance

PHASES = ("generate", "build", "land", "update")
BENCHMARK = "S00001"  # the synthetic market's first name stands in for SPY
COUNTED_TABLES = ("raw_prices", "prices", "universe", "factors", "signals", "target_portfolio", "backtest_returns")
Phase = Callable[[argparse.Namespace], dict]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line: market size, work directory, and the internal --phase of a child process."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, required=True, help="number of synthetic tickers")
    parser.add_argument("--days", type=int, required=True, help="trading days of history from --start")
    parser.add_argument("--start", default=FIRST_DAY, help="first session of the history (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed of the synthetic market")
    parser.add_argument("--workdir", help="empty or new directory to work in (default: a fresh temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory afterwards")
    parser.add_argument(
        "--json", help="write build_s, build_peak_rss_mb, update_s, update_peak_rss_mb and per-step seconds"
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def say(line: str) -> None:
    """Progress line from a child, indented under its phase."""
    print(f"    {line}")


def landing_dir() -> Path:
    return Path(os.environ["STRATENGINE_LANDING_DIR"])


def market(args: argparse.Namespace) -> SyntheticMarket:
    return SyntheticMarket(args.names, args.days, args.seed, args.start)


def generate(args: argparse.Namespace) -> dict:
    """Phase 1: land the price history, the security master and the fundamentals."""
    synthetic = market(args)
    files = synthetic.write_history(landing_dir())
    files += [synthetic.write_securities(landing_dir()), synthetic.write_fundamentals(landing_dir())]
    last = synthetic.history_days[-1].date()
    say(f"{len(files)} files landed, {args.names:,} names x {args.days:,} days up to {last}")
    return {"files": len(files)}


def land(args: argparse.Namespace) -> dict:
    """Phase 3: land the session after the history as a daily CSV."""
    synthetic = market(args)
    path = synthetic.write_extra_day(landing_dir())
    say(f"landed {path.name}")
    return {"day": str(synthetic.extra_day.date())}


def dagster_context() -> tuple[DagsterInstance, dict, dict]:
    """The instance under DAGSTER_HOME, the code location's resources, and copies with their EnvVars resolved."""
    from dagster import DagsterInstance

    from resources.settings import build_resources, resolved_resources

    return DagsterInstance.get(), build_resources(), resolved_resources()


def build(args: argparse.Namespace) -> dict:
    """Phase 2: `stratengine update` with research over everything landed: a build from scratch."""
    measured = run_update_phase(research=True)
    return {"steps": measured["seconds"], "step_peaks": measured["peak_rss_mb"]}


def update(args: argparse.Namespace) -> dict:
    """Phase 4: `stratengine update` after the new day landed (the weekly research job is not daily work)."""
    measured = run_update_phase(research=False)
    return {"steps": measured["seconds"], "step_peaks": measured["peak_rss_mb"]}


def run_update_phase(research: bool) -> dict[str, dict[str, float]]:
    """Seconds and peak RSS (MB) per step of an update (steps are '<asset> <first>..<last>')."""
    from cli.update import run_update

    instance, resources, resolved = dagster_context()
    peaks = StepPeaks()
    with instance:
        outcome = run_update(instance, resources, resolved, peaks.say, research=research)
    if outcome.failed:
        raise SystemExit(f"the update failed: {outcome.failed}")
    return {"seconds": outcome.seconds, "peak_rss_mb": peaks.peaks}


class StepPeaks:
    """Each step's own peak RSS: the kernel's high-water mark is reset when a step starts (Linux' clear_refs) and
    read when it ends, from the progress lines the update says ('<step> ...', '<step> done in ...')."""

    def __init__(self) -> None:
        self.peaks: dict[str, float] = {}

    def say(self, line: str) -> None:
        say(line)
        if line.endswith(" ..."):
            with contextlib.suppress(OSError):
                Path("/proc/self/clear_refs").write_text("5")
        elif " done in " in line:
            self.peaks[line.split(" done in ")[0]] = high_water_mb()


def high_water_mb() -> float:
    """This process's peak RSS since the last reset, in MB (0 where /proc is not there)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


PHASE_RUNNERS: dict[str, Phase] = {"generate": generate, "build": build, "land": land, "update": update}


def result_path(workdir: Path, phase: str) -> Path:
    return workdir / "results" / f"{phase}.json"


def run_child(args: argparse.Namespace) -> int:
    """Inside a child process: run one phase and write its outcome as JSON for the parent."""
    outcome = PHASE_RUNNERS[args.phase](args)
    path = result_path(Path(args.workdir), args.phase)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(outcome))
    return 0


def spawn(command: list[str], env: dict[str, str]) -> tuple[int, float]:
    """Run a command to completion: its exit code and its own peak RSS in MB (from wait4, so even if it dies)."""
    pid = os.posix_spawn(command[0], command, env)
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)


def bench_strategies(workdir: Path) -> Path:
    """The bundled strategies with the synthetic market's first name as the benchmark: the market has no SPY, and
    without a benchmark the relative momentum, beta and idiosyncratic volatility factors are empty, the top-40
    momentum strategy never trades and every name's beta is the assumed one (so were the figures before
    2026-12-07)."""
    text = BUNDLED_STRATEGIES.read_text()
    if 'benchmark = "SPY"' not in text:
        raise SystemExit(f"{BUNDLED_STRATEGIES} no longer names SPY as the benchmark: update bench_strategies")
    path = workdir / "strategies.toml"
    path.write_text(text.replace('benchmark = "SPY"', f'benchmark = "{BENCHMARK}"'))
    return path


def bench_env(workdir: Path, start: str) -> dict[str, str]:
    """Environment of the children: project home, warehouse, landing zone, strategies and Dagster home inside
    workdir."""
    home = workdir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **os.environ,
        "STRATENGINE_HOME": str(workdir),
        "STRATENGINE_WAREHOUSE": str(workdir / "data" / "warehouse.duckdb"),
        "STRATENGINE_LANDING_DIR": str(workdir / "data" / "landing"),
        "STRATENGINE_START_DATE": start,
        "STRATENGINE_STRATEGIES": str(bench_strategies(workdir)),
        "DAGSTER_HOME": str(home),
        ONE_PLANNED_EVENT_PER_RUN: os.environ.get(ONE_PLANNED_EVENT_PER_RUN, "true"),
    }


def run_phase(phase: str, args: argparse.Namespace, workdir: Path, env: dict[str, str], day: str | None) -> dict:
    """Run one phase in a child process: its outcome, exit code, wall time and peak RSS."""
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--workdir", str(workdir)]
    command += ["--names", str(args.names), "--days", str(args.days), "--seed", str(args.seed), "--start", args.start]
    command += ["--day", day] if day else []
    print(f"== {phase}")
    started = time.perf_counter()
    code, rss = spawn(command, env)
    wall = time.perf_counter() - started
    outcome = json.loads(result_path(workdir, phase).read_text()) if code == 0 else {}
    rss = max([rss, *outcome.get("step_peaks", {}).values()])  # the steps reset the high-water mark wait4 reads
    print(f"== {phase} {'finished' if code == 0 else f'FAILED (exit {code})'} in {wall:.1f}s, peak RSS {rss:.0f} MB")
    return {**outcome, "exit": code, "wall": wall, "peak_rss_mb": rss}


def table_counts(database: Path) -> dict[str, int]:
    """Row counts of the main warehouse tables, plus the number of distinct rebalance dates."""
    if not database.exists():
        return {}
    from resources.warehouse import DuckDBWarehouseResource

    with DuckDBWarehouseResource(database=str(database)).session() as store:
        counts = {table: store.count(table) for table in COUNTED_TABLES}
        counts["rebalance dates"] = len(store.distinct("target_portfolio", ["rebalance_date"]))
    return counts


def per_asset(steps: dict[str, float]) -> dict[str, float]:
    """Seconds per asset, summed over its runs (a step is '<asset> <first>..<last>')."""
    totals: dict[str, float] = {}
    for step, seconds in steps.items():
        totals[step.split()[0]] = totals.get(step.split()[0], 0.0) + seconds
    return totals


def peak_per_asset(peaks: dict[str, float]) -> dict[str, float]:
    """Peak RSS per asset, the largest over its runs."""
    out: dict[str, float] = {}
    for step, mb in peaks.items():
        out[step.split()[0]] = max(out.get(step.split()[0], 0.0), mb)
    return out


def step_lines(results: dict[str, dict]) -> list[str]:
    """Seconds per asset, build and update side by side."""
    build_steps = per_asset(results.get("build", {}).get("steps", {}))
    update_steps = per_asset(results.get("update", {}).get("steps", {}))
    build_peaks = peak_per_asset(results.get("build", {}).get("step_peaks", {}))
    lines = ["", f"{'step':<18}{'build s':>10}{'update s':>10}{'build peak MB':>15}"]
    for step, seconds in build_steps.items():
        after = update_steps.get(step)
        lines.append(
            f"{step:<18}{seconds:>10.1f}{'-' if after is None else f'{after:.1f}':>10}{build_peaks.get(step, 0):>15.0f}"
        )
    return lines if build_steps else []


def report(results: dict[str, dict], counts: dict[str, int]) -> str:
    """The final table: per phase wall time and peak RSS, per step seconds, warehouse row counts."""
    lines = ["", f"{'phase':<12}{'wall s':>10}{'peak RSS MB':>14}"]
    for phase, r in results.items():
        failed = f"  FAILED (exit {r['exit']})" if r["exit"] else ""
        lines.append(f"{phase:<12}{r['wall']:>10.1f}{r['peak_rss_mb']:>14.0f}{failed}")
    lines += step_lines(results)
    lines += ["", f"{'table':<18}{'rows':>14}"] if counts else []
    lines += [f"{table:<18}{count:>14,}" for table, count in counts.items()]
    return "\n".join(lines)


def summary(args: argparse.Namespace, results: dict[str, dict], counts: dict[str, int]) -> dict:
    """The figures --json writes: wall seconds and peak RSS of the build and the update, seconds per step."""
    out: dict = {"names": args.names, "days": args.days, "seed": args.seed, "rows": counts}
    for phase in ("build", "update"):
        r = results.get(phase, {})
        out |= {
            f"{phase}_s": r.get("wall"),
            f"{phase}_peak_rss_mb": r.get("peak_rss_mb"),
            f"{phase}_exit": r.get("exit"),
        }
        out[f"{phase}_steps_s"] = per_asset(r.get("steps", {}))
        out[f"{phase}_steps_peak_rss_mb"] = peak_per_asset(r.get("step_peaks", {}))
    return out


def prepare_workdir(requested: str | None) -> Path:
    """A fresh temporary directory, or the requested one if it is new or empty (it is removed afterwards)."""
    if requested is None:
        return Path(tempfile.mkdtemp(prefix="stratengine-bench-"))
    workdir = Path(requested).resolve()
    if workdir.exists() and any(workdir.iterdir()):
        raise SystemExit(f"--workdir {workdir} is not empty; give a new or empty directory")
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def run_phases(args: argparse.Namespace, workdir: Path, env: dict[str, str], results: dict[str, dict]) -> bool:
    """Run the phases in order into `results`; False when one fails (the later ones are then skipped)."""
    for phase in PHASES:
        results[phase] = run_phase(phase, args, workdir, env, results.get("land", {}).get("day"))
        if results[phase]["exit"]:
            print("later phases skipped")
            return False
    return True


def run_benchmark(args: argparse.Namespace) -> int:
    """Run the four phases in child processes, print the table, and clean up unless --keep."""
    if market(args).extra_day.date() > dt.date.today():
        raise SystemExit(f"--days {args.days} from {args.start} reaches past today: give an earlier --start")
    workdir = prepare_workdir(args.workdir)
    env = bench_env(workdir, args.start)
    print(f"StratEngine build benchmark: {args.names:,} names x {args.days:,} days, work directory {workdir}")
    results: dict[str, dict] = {}
    try:
        succeeded = run_phases(args, workdir, env, results)
        counts = table_counts(Path(env["STRATENGINE_WAREHOUSE"]))
        print(report(results, counts))
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(summary(args, results, counts), indent=2) + "\n")
    finally:
        if args.keep:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if succeeded else 1


def main(argv: list[str] | None = None) -> int:
    """Parent: the whole benchmark; child (--phase): one phase. Lines are flushed so both interleave in order."""
    sys.stdout.reconfigure(line_buffering=True)
    args = parse_args(argv)
    return run_child(args) if args.phase else run_benchmark(args)


if __name__ == "__main__":
    sys.exit(main())

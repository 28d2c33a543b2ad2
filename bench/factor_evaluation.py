"""Benchmark the factor_evaluation step against its own math on one synthetic warehouse.

Run from the repository root:  python bench/factor_evaluation.py --names 440 --days 1700 [--runs 3] [--profile]
[--dagster]
Fills a fresh warehouse straight with closes, factor z-scores and strategy signals (no vendor files, no other
assets), then times (a) the factor_evaluation asset over every partition, as a build runs it, and (b) the
evaluation math alone (quant.evaluation.daily_metrics per series on matrices already in memory). Prints the
medians and writes bench/out/factor_evaluation.json; --profile adds the step's top cProfile entries; --dagster
also runs the step through materialize() on an on-disk instance, where each partition's event is written.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from quant.calendar import trading_days  # noqa: E402
from quant.evaluation import daily_metrics  # noqa: E402
from quant.factors import FACTORS  # noqa: E402

FIRST_DAY = "2010-01-04"
OUT = REPO / "bench" / "out" / "factor_evaluation.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=440, help="tickers")
    parser.add_argument("--days", type=int, default=1700, help="trading days from 2010-01-04")
    parser.add_argument(
        "--factors",
        type=int,
        default=14,
        help="factors (series in the factors table, the first of the registered ones)",
    )
    parser.add_argument("--signals", type=int, default=5, help="strategies (series in the signals table)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (the medians are reported)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print the step's top cProfile entries")
    parser.add_argument("--out", default=str(OUT), help="JSON result file")
    parser.add_argument(
        "--dagster", action="store_true", help="also time the step as a run on a real (sqlite) Dagster instance"
    )
    return parser.parse_args(argv)


def market(args: argparse.Namespace) -> dict:
    """Random-walk closes with late listings and halts; factors and signals that weakly predict, with gaps."""
    rng = np.random.default_rng(args.seed)
    days = trading_days(FIRST_DAY, "2030-12-31")[: args.days]
    tickers = [f"S{i:05d}" for i in range(args.names)]
    close = 30.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (len(days), len(tickers))), axis=0))
    listed = rng.integers(0, len(days) // 3, len(tickers))
    close[np.arange(len(days))[:, None] < np.where(rng.random(len(tickers)) < 0.2, listed, 0)] = np.nan
    close[rng.random(close.shape) < 0.002] = np.nan  # missing bars (halts): forward-filled by the evaluation
    ahead = np.vstack([np.log(close[1:] / close[:-1]), np.zeros((1, len(tickers)))])
    series = {}
    for k in range(args.factors + args.signals):
        score = 0.05 * np.nan_to_num(ahead) / 0.02 + rng.normal(size=close.shape)
        score[~np.isfinite(close) | (rng.random(close.shape) < 0.05)] = np.nan
        series[FACTORS.names()[k] if k < args.factors else f"strategy_{k - args.factors:02d}"] = score
    return {"days": days, "tickers": tickers, "close": close, "series": series}


def long_frame(matrix: np.ndarray, days: pd.DatetimeIndex, tickers: list[str], value: str) -> pd.DataFrame:
    frame = pd.DataFrame(matrix, index=days, columns=tickers).rename_axis(index="date", columns="ticker")
    return frame.stack().dropna().rename(value).reset_index()


def wide_frame(factors: dict[str, np.ndarray], days: pd.DatetimeIndex, tickers: list[str]) -> pd.DataFrame:
    """One row per day and ticker any factor scores: each factor's score as its raw value and z-score."""
    columns = {}
    for name, score in factors.items():
        frame = long_frame(score, days, tickers, "score").set_index(["date", "ticker"])["score"]
        columns[f"{name}__raw_value"] = columns[f"{name}__zscore"] = frame
    return pd.DataFrame(columns).reset_index()


def fill(database: str, data: dict) -> dict[str, int]:
    """The prices, factors and signals tables, as the pipeline lays them out."""
    from resources.warehouse import DuckDBWarehouseResource

    days, tickers = data["days"], data["tickers"]
    with DuckDBWarehouseResource(database=database).get_connection() as conn:
        conn.register("bars", long_frame(data["close"], days, tickers, "close"))
        conn.execute(
            "INSERT INTO prices BY NAME SELECT date, ticker, close, close AS open, close AS high, close AS low, "
            "1e6 AS volume, 1e6 * close AS dollar_volume, 'bench' AS vendor, 'bench' AS source_file, "
            "1 AS source_line FROM bars"
        )
        conn.unregister("bars")
        factors = {name: score for name, score in data["series"].items() if name in FACTORS}
        conn.register("scores", wide_frame(factors, days, tickers))
        conn.execute("INSERT INTO factors BY NAME SELECT * FROM scores")
        conn.unregister("scores")
        for name, score in data["series"].items():
            if name not in factors:
                conn.register("scores", long_frame(score, days, tickers, "score"))
                conn.execute(
                    "INSERT INTO signals SELECT ticker, date::DATE, date::DATE + 1, score, ? FROM scores", [name]
                )
                conn.unregister("scores")
        conn.execute("CHECKPOINT")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("prices", "factors", "signals")}


def run_step(database: str, first: str, last: str, profile: bool) -> tuple[float, str]:
    """One materialization of factor_evaluation over partitions [first, last]: seconds (and the profile)."""
    from resources.warehouse import DuckDBWarehouseResource
    from stratengine_assets.research.factor_evaluation import factor_evaluation
    from tests.helpers import range_context

    context = range_context(first, last, warehouse=DuckDBWarehouseResource(database=database))
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    factor_evaluation(context)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    text = ""
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(40)
        text = buffer.getvalue()
    return seconds, text


def run_in_dagster(database: str, workdir: str, first: str, last: str) -> float:
    """The step as one run over partitions [first, last] on an on-disk Dagster instance: seconds, with the
    event log's writes (one materialization per partition, each carrying the step's metadata)."""
    from dagster import DagsterInstance, materialize

    from resources.settings import pipeline_settings
    from resources.warehouse import DuckDBWarehouseResource
    from stratengine_assets.research.factor_evaluation import factor_evaluation

    home = Path(workdir) / f"dagster_{time.monotonic_ns()}"
    home.mkdir()
    with DagsterInstance.local_temp(str(home)) as instance:
        started = time.perf_counter()
        result = materialize(
            [factor_evaluation],
            instance=instance,
            resources={"warehouse": DuckDBWarehouseResource(database=database), "settings": pipeline_settings()},
            tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
        )
        seconds = time.perf_counter() - started
    assert result.success
    return seconds


def run_math(data: dict) -> float:
    """The evaluation math alone, every series, on the matrices in memory: seconds."""
    started = time.perf_counter()
    for score in data["series"].values():
        daily_metrics(score, data["close"], data["days"])
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = market(args)
    days = data["days"]
    first, last = str(days[22].date()), str(days[-1].date())  # every factor date with a 21-day forward return
    with tempfile.TemporaryDirectory(prefix="bench_factor_evaluation_") as workdir:
        os.environ["STRATENGINE_HOME"] = workdir
        os.environ.setdefault("STRATENGINE_START_DATE", FIRST_DAY)
        database = str(Path(workdir) / "warehouse.duckdb")
        counts = fill(database, data)
        values = int(sum(np.isfinite(s).sum() for s in data["series"].values()))
        print(f"{args.names} names x {args.days} days, {len(data['series'])} series, {values:,} scores; {counts}")
        steps, maths, runs = [], [], []
        for run in range(args.runs):
            seconds, profile = run_step(database, first, last, args.profile and run == 0)
            steps.append(seconds)
            maths.append(run_math(data))
            if args.dagster:
                runs.append(run_in_dagster(database, workdir, first, last))
            shown = f", dagster run {runs[-1]:.2f} s" if runs else ""
            print(f"run {run + 1}: step {steps[-1]:.2f} s, math {maths[-1]:.2f} s{shown}")
            if profile:
                print(profile)
    result = {
        "names": args.names,
        "days": args.days,
        "series": len(data["series"]),
        "scores": values,
        "runs": args.runs,
        "step_seconds": steps,
        "math_seconds": maths,
        "step_median_s": statistics.median(steps),
        "math_median_s": statistics.median(maths),
    }
    result["step_over_math"] = result["step_median_s"] / result["math_median_s"]
    if runs:
        result |= {"dagster_run_seconds": runs, "dagster_run_median_s": statistics.median(runs)}
        print(f"median dagster run {result['dagster_run_median_s']:.2f} s")
    print(
        f"median: step {result['step_median_s']:.2f} s, math {result['math_median_s']:.2f} s "
        f"(step / math {result['step_over_math']:.2f})"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Throughput of the quant kernels at fund size, on synthetic inputs, with no warehouse or Dagster in the way:

    python bench/throughput.py [--names 5000] [--days 2520] [--repeat 3] [--json PATH]

- factors: every registered factor over a days x names panel, raw values, then winsorized z-scores and the sector
  neutral scores the factors asset stores (goal: 10 M values per second, values = days x names x factors);
- backtest: `quant.backtest.engine.simulate` on 1,000 names x 2,520 days rebalanced monthly (goal: 1 s);
- optimizer: the long-short book with every constraint (sector and beta bands, turnover cap, minimum names, cost)
  at 500 / 1,000 / 3,000 / 5,000 names (goal: 5,000 in 0.5 s).
Medians of --repeat runs are printed and written to --json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.optimizer import CASES, book, market
from quant.backtest.engine import Costs, simulate
from quant.factors import FACTORS
from quant.factors.math import sector_neutral, winsorized_zscores
from quant.factors.registry import SHARES_ON_PRICE_BASIS, FactorInputs
from quant.optimizer import optimize
from quant.risk_model import pca_risk_model

OPTIMIZER_NAMES = (500, 1000, 3000, 5000)
FUNDAMENTALS = ("total_equity", "net_income", "gross_profit", "total_assets", SHARES_ON_PRICE_BASIS)


def median_seconds(work: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def factor_inputs(names: int, days: int, seed: int = 1) -> FactorInputs:
    """Prices from a one-factor market, dollar volumes, fundamentals and a basis, all finite."""
    rng = np.random.default_rng(seed)
    market_returns = rng.normal(0.0003, 0.01, days)
    returns = market_returns[:, None] * rng.normal(1.0, 0.3, names) + rng.normal(0, 0.015, (days, names))
    close = 50.0 * np.cumprod(1.0 + returns, axis=0)
    benchmark = 100.0 * np.cumprod(1.0 + market_returns)
    fundamentals = {metric: np.abs(rng.normal(1e9, 3e8, (days, names))) for metric in FUNDAMENTALS}
    return FactorInputs(
        close=close,
        returns=np.vstack([np.full(names, np.nan), close[1:] / close[:-1] - 1.0]),
        dollar_volume=close * rng.uniform(1e5, 1e7, (days, names)),
        benchmark_close=benchmark,
        benchmark_returns=np.concatenate([[np.nan], benchmark[1:] / benchmark[:-1] - 1.0]),
        fundamentals=fundamentals,
        basis=np.ones((days, names)),
    )


def bench_factors(names: int, days: int, repeat: int) -> dict:
    inputs = factor_inputs(names, days)
    members = np.ones((days, names), dtype=bool)
    sectors = np.random.default_rng(2).integers(0, 11, names)
    values = days * names * len(FACTORS)

    def raw() -> None:
        fresh = replace(inputs, derived={})  # what the factors share is computed once per run, as in the asset
        for definition in FACTORS:
            definition.compute(fresh)

    def scored() -> None:
        fresh = replace(inputs, derived={})
        for definition in FACTORS:
            sector_neutral(winsorized_zscores(definition.compute(fresh), members), sectors)

    raw_s, raw_runs = median_seconds(raw, repeat)
    scored_s, scored_runs = median_seconds(scored, repeat)
    per_factor = {}
    for definition in FACTORS:
        alone = median_seconds(lambda d=definition: d.compute(replace(inputs, derived={})), repeat)[0]
        per_factor[definition.name] = round(alone, 3)
    return {
        "names": names,
        "days": days,
        "factors": len(FACTORS),
        "values": values,
        "raw_s": raw_s,
        "raw_values_per_s": values / raw_s,
        "scored_s": scored_s,
        "scored_values_per_s": values / scored_s,
        "runs": {"raw": raw_runs, "scored": scored_runs},
        "seconds_per_factor": per_factor,
    }


def bench_backtest(names: int, days: int, repeat: int) -> dict:
    rng = np.random.default_rng(3)
    index = pd.bdate_range("2010-01-04", periods=days)
    tickers = pd.Index([f"N{i:05d}" for i in range(names)])
    returns = pd.DataFrame(rng.normal(0.0003, 0.02, (days, names)), index=index, columns=tickers)
    month_ends = index[index.to_series().dt.month.diff().shift(-1).fillna(1).ne(0).to_numpy()][:-1]
    targets = {}
    for day in month_ends:
        picked = rng.choice(names, 200, replace=False)
        targets[day] = pd.Series(np.r_[np.full(100, 0.01), np.full(100, -0.01)], index=tickers[picked])
    seconds, runs = median_seconds(lambda: simulate(targets, returns, Costs()), repeat)
    return {"names": names, "days": days, "rebalances": len(targets), "seconds": seconds, "runs": runs}


def bench_optimizer(sizes: tuple[int, ...], repeat: int) -> dict:
    limits = CASES["long-short, all constraints"]
    results = {}
    for names in sizes:
        returns, alpha = market(names)
        model = pca_risk_model(returns, factors=10)
        context = book(returns, alpha)

        def solve(alpha=alpha, model=model, context=context) -> np.ndarray:
            return optimize(alpha, model, limits, 1.0, book=context)

        seconds, runs = median_seconds(solve, repeat)
        weights = solve()
        results[str(names)] = {
            "seconds": seconds,
            "runs": runs,
            "held": int((np.abs(weights) > 1e-9).sum()),
            "gross": float(np.abs(weights).sum()),
            "turnover": float(np.abs(weights - context.previous).sum()),
        }
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=5000)
    parser.add_argument("--days", type=int, default=2520)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    factors = bench_factors(args.names, args.days, args.repeat)
    print(
        f"factors: {factors['factors']} x {args.names:,} names x {args.days:,} days = {factors['values']:,} values; "
        f"raw {factors['raw_s']:.2f} s ({factors['raw_values_per_s'] / 1e6:.1f} M/s), with z-scores and sector "
        f"scores {factors['scored_s']:.2f} s ({factors['scored_values_per_s'] / 1e6:.1f} M/s); goal 10 M/s"
    )
    slowest = sorted(factors["seconds_per_factor"].items(), key=lambda item: -item[1])[:4]
    print(f"  slowest factors: {', '.join(f'{name} {s:.2f} s' for name, s in slowest)}")
    backtest = bench_backtest(1000, args.days, args.repeat)
    print(
        f"backtest: 1,000 names x {args.days:,} days, {backtest['rebalances']} rebalances: "
        f"{backtest['seconds']:.2f} s median; goal 1 s"
    )
    optimizer = bench_optimizer(OPTIMIZER_NAMES, args.repeat)
    for names, figures in optimizer.items():
        print(
            f"optimizer, every constraint, {int(names):,} names: {figures['seconds']:.2f} s median "
            f"({figures['held']} held, gross {figures['gross']:.2f}, turnover {figures['turnover']:.2f})"
        )
    print("  goal: 5,000 names in 0.5 s")
    if args.json:
        Path(args.json).write_text(json.dumps({"factors": factors, "backtest": backtest, "optimizer": optimizer}))


if __name__ == "__main__":
    main()

"""Time the factor-model optimizer: `python bench/optimizer.py [--names 500 3000] [--repeat 3]`."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quant.optimizer import Book, Limits, optimize
from quant.risk_model import pca_risk_model

CASES = {
    "long-only, cap 2%": Limits(long_only=True, net_exposure=1.0, gross_leverage=1.0, max_weight=0.02),
    "long-short, gross 2, cap 1%": Limits(long_only=False, net_exposure=0.0, gross_leverage=2.0, max_weight=0.01),
    "long-short, all constraints": Limits(
        long_only=False,
        net_exposure=0.0,
        gross_leverage=2.0,
        max_weight=0.01,
        sector_band=0.02,
        beta_band=0.05,
        max_turnover=0.8,
        min_names=200,
    ),
}
SECTORS = 11


def market(names: int, days: int = 252, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Daily returns with 5 common factors plus noise, and an alpha forecast per name."""
    rng = np.random.default_rng(seed)
    returns = rng.normal(0, 0.01, (days, 5)) @ rng.normal(0.8, 0.5, (5, names)) + rng.normal(0, 0.015, (days, names))
    return returns, rng.normal(0, 0.03, names)


def book(returns: np.ndarray, alpha: np.ndarray, seed: int = 2) -> Book:
    """Sectors, betas to the equal-weight market, the book held before (from last month's alpha) and a cost."""
    rng = np.random.default_rng(seed)
    market = returns.mean(axis=1)
    betas = (returns - returns.mean(axis=0)).T @ (market - market.mean()) / ((market - market.mean()) ** 2).sum()
    previous = optimize(
        alpha + rng.normal(0, 0.03, len(alpha)), pca_risk_model(returns), CASES["long-short, gross 2, cap 1%"], 1.0
    )
    return Book(sectors=rng.integers(0, SECTORS, len(alpha)), betas=betas, previous=previous, turnover_cost=0.012)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--names", type=int, nargs="+", default=[500, 3000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for names in args.names:
        returns, alpha = market(names)
        started = time.perf_counter()
        model = pca_risk_model(returns, factors=10)
        fit = time.perf_counter() - started
        context = book(returns, alpha)
        for label, limits in CASES.items():
            times = []
            extra = context if "all" in label else None
            for _ in range(args.repeat):
                started = time.perf_counter()
                weights = optimize(alpha, model, limits, risk_aversion=1.0, book=extra)
                times.append(time.perf_counter() - started)
            print(
                f"{names:>5} names, {label:<28} solve median {statistics.median(times):.2f}s "
                f"(runs {[round(t, 2) for t in times]}), risk model fit {fit:.2f}s, "
                f"{int((np.abs(weights) > 0).sum())} names held, net {weights.sum():+.3f}, "
                f"gross {np.abs(weights).sum():.3f}"
                + (
                    f", turnover {np.abs(weights - extra.previous).sum():.3f}, beta {extra.betas @ weights:+.3f}"
                    if extra
                    else ""
                )
            )


if __name__ == "__main__":
    main()

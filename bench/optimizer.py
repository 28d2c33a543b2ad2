"""Time the factor-model optimizer: `python bench/optimizer.py [--names 500 3000] [--repeat 3]`."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stratengine_assets.portfolio.optimizer import Limits, optimize
from stratengine_assets.portfolio.risk import pca_risk_model

CASES = {
    "long-only, cap 2%": Limits(long_only=True, net_exposure=1.0, gross_leverage=1.0, max_weight=0.02),
    "long-short, gross 2, cap 1%": Limits(long_only=False, net_exposure=0.0, gross_leverage=2.0, max_weight=0.01),
}


def market(names: int, days: int = 252, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Daily returns with 5 common factors plus noise, and an alpha forecast per name."""
    rng = np.random.default_rng(seed)
    returns = rng.normal(0, 0.01, (days, 5)) @ rng.normal(0.8, 0.5, (5, names)) + rng.normal(0, 0.015, (days, names))
    return returns, rng.normal(0, 0.03, names)


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
        for label, limits in CASES.items():
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                weights = optimize(alpha, model, limits, risk_aversion=1.0)
                times.append(time.perf_counter() - started)
            print(
                f"{names:>5} names, {label:<28} solve median {statistics.median(times):.2f}s "
                f"(runs {[round(t, 2) for t in times]}), risk model fit {fit:.2f}s, "
                f"{int((np.abs(weights) > 0).sum())} names held, net {weights.sum():+.3f}, "
                f"gross {np.abs(weights).sum():.3f}"
            )


if __name__ == "__main__":
    main()

"""Strategy research: in-sample and out-of-sample windows, the grid of hyperparameters, pass/fail, selection."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import pandas as pd

from quant.calendar import next_trading_day, trading_days
from quant.strategies import ResearchRules, Strategy

GRID_METRICS = ("total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown", "calmar")


@dataclass(frozen=True)
class Windows:
    """In-sample [first, in_sample_end] for the grid; out-of-sample [out_of_sample_start, last], never seen by it."""

    first: pd.Timestamp
    in_sample_end: pd.Timestamp
    out_of_sample_start: pd.Timestamp
    last: pd.Timestamp


def split_windows(first, last, rules: ResearchRules) -> Windows | None:
    """Split the trading days [first, last]: at in_sample_end, or after in_sample_fraction of them; None when
    there is nothing left for the later window."""
    if first is None or last is None or first >= last:
        return None
    days = trading_days(first, last)
    if rules.in_sample_end:
        end = days[days <= pd.Timestamp(rules.in_sample_end)][-1]
    else:
        end = days[int(len(days) * rules.in_sample_fraction) - 1]
    if end >= days[-1]:
        return None
    return Windows(days[0], end, next_trading_day(end), days[-1])


def variants(strategy: Strategy) -> list[tuple[int, dict, Strategy]]:
    """(run id, the grid's values, the strategy with them) for every combination; the strategy itself if no grid."""
    keys = sorted(strategy.grid)
    combos = [dict(zip(keys, values, strict=True)) for values in itertools.product(*(strategy.grid[k] for k in keys))]
    return [(n, params, replace(strategy, **params)) for n, params in enumerate(combos, start=1)]


def verdict(row: dict, rules: ResearchRules) -> tuple[bool, str]:
    """Whether a run's metrics pass the thresholds, and why in words."""
    sharpe, drawdown = row.get("sharpe"), row.get("max_drawdown")
    sharpe, drawdown = (float("nan") if v is None else float(v) for v in (sharpe, drawdown))
    reasons = []
    if not sharpe >= rules.min_sharpe:
        reasons.append(f"Sharpe {sharpe:.2f} < {rules.min_sharpe:g}")
    if not drawdown > rules.max_drawdown:
        reasons.append(f"max drawdown {drawdown:.1%} not better than {rules.max_drawdown:.0%}")
    if reasons:
        return False, "; ".join(reasons)
    return (
        True,
        f"Sharpe {sharpe:.2f} >= {rules.min_sharpe:g} and max drawdown {drawdown:.1%} > {rules.max_drawdown:.0%}",
    )


def select(runs: pd.DataFrame, rules: ResearchRules) -> pd.DataFrame:
    """Mark the passing run with the highest rank_by metric as selected (none when no run passed)."""
    runs = runs.assign(selected=False)
    passing = runs[runs["passed"]]
    if len(passing):
        runs.loc[passing[rules.rank_by].astype(float).idxmax(), "selected"] = True
    return runs

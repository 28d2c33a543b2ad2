"""One strategy's rebalances: candidates from its signals, a risk model, and the optimizer under its limits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quant.optimizer import Book, InfeasiblePortfolio, Limits, optimize
from quant.panel import daily_returns
from quant.rebalance import REBALANCES_PER_YEAR
from quant.risk_model import pca_risk_model, usable_names
from quant.strategies import Strategy

BETA_FACTOR = "beta_252d"  # the factor whose raw value is a name's beta to the benchmark
MARKET_BETA = 1.0  # assumed for a name without a beta estimate


def limits_for(strategy: Strategy) -> Limits:
    """The optimizer's constraints as the strategy sets them."""
    return Limits(
        strategy.long_only,
        strategy.net_exposure,
        strategy.gross_leverage,
        strategy.max_weight,
        sector_band=strategy.sector_band,
        beta_band=strategy.beta_band,
        max_turnover=strategy.max_turnover,
        min_names=strategy.min_names,
    )


def turnover_cost(strategy: Strategy) -> float:
    """The optimizer's price of one unit of turnover, in the annual units of alpha: the one-way cost paid once
    per rebalance, times rebalances a year, times cost_aversion."""
    costs_bps = strategy.commission_bps + strategy.slippage_bps
    return strategy.cost_aversion * costs_bps / 1e4 * REBALANCES_PER_YEAR[strategy.rebalance]


def candidates(group: pd.DataFrame, strategy: Strategy, held: pd.Series) -> pd.DataFrame:
    """The best (and for long-short, worst) names by signal, plus names held now that still have a signal."""
    best = strategy.candidates if strategy.long_only else strategy.candidates // 2
    worst = 0 if strategy.long_only else strategy.candidates // 2
    keep = (group["best_rank"] <= best) | (group["worst_rank"] <= worst) | group["ticker"].isin(held.index)
    return group[keep].sort_values("ticker").reset_index(drop=True)


def _book(strategy: Strategy, picked: pd.DataFrame, held: pd.Series) -> Book:
    inside = held.index.isin(picked["ticker"])
    return Book(
        sectors=pd.factorize(picked["sector"])[0],
        betas=picked["beta"].to_numpy(dtype="float64"),
        previous=held.reindex(picked["ticker"]).fillna(0.0).to_numpy() if len(held) else None,
        forced_turnover=float(held[~inside].abs().sum()),
        turnover_cost=turnover_cost(strategy),
    )


def solve(
    strategy: Strategy, picked: pd.DataFrame, returns: np.ndarray, held: pd.Series, when: pd.Timestamp
) -> pd.DataFrame:
    """Optimize one rebalance: alpha from signals, risk from a PCA factor model of the names' trailing returns."""
    keep = usable_names(returns)
    returns, picked = returns[:, keep], picked[keep].reset_index(drop=True)
    model = pca_risk_model(returns, strategy.risk_factors)
    alpha = strategy.information_coefficient * model.volatility() * picked["signal"].to_numpy()
    if strategy.construction == "min_variance":
        alpha = np.zeros(len(picked))
    weights = optimize(alpha, model, limits_for(strategy), strategy.risk_aversion, _book(strategy, picked, held))
    chosen = weights != 0
    return pd.DataFrame(
        {"ticker": picked["ticker"].to_numpy()[chosen], "weight": weights[chosen], "rebalance_date": when}
    )


def solve_rebalances(
    strategy: Strategy,
    signals: pd.DataFrame,
    close: np.ndarray,
    days: pd.DatetimeIndex,
    tickers: pd.Index,
    held: pd.Series,
) -> tuple[list[pd.DataFrame], dict[str, str]]:
    """Solve each rebalance day of `signals` in order, each starting from the book the one before left (a failed
    one keeps it). `signals` holds (date, ticker, signal, best_rank, worst_rank, beta, sector) per day; `close`
    covers `days` x `tickers`, reaching covariance_lookback + 1 sessions before the first day."""
    solved, failures = [], {}
    for date, group in signals.groupby("date"):
        picked = candidates(group, strategy, held)
        end = days.get_loc(date) + 1
        window = close[max(0, end - strategy.covariance_lookback - 1) : end, tickers.get_indexer(picked["ticker"])]
        try:
            solved.append(solve(strategy, picked, daily_returns(window)[1:], held, date))
        except InfeasiblePortfolio as exc:
            failures[str(date.date())] = str(exc)
            continue
        held = solved[-1].set_index("ticker")["weight"]
    return solved, failures


def equal_weight(ranked: pd.DataFrame) -> pd.DataFrame:
    """Rows (ticker, weight, rebalance_date): each day's ranked names (date, ticker) equally weighted."""
    ranked = ranked.assign(weight=1.0 / ranked.groupby("date")["ticker"].transform("size"))
    ranked["rebalance_date"] = pd.to_datetime(ranked["date"])
    return ranked[["ticker", "weight", "rebalance_date"]]

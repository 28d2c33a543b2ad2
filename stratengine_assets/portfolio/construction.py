"""One strategy's rebalances: candidates from its signals, a risk model, and the optimizer under its limits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from partitions.trading_calendar import shift_trading_days, trading_days
from stratengine_assets.portfolio.optimizer import Book, InfeasiblePortfolio, optimize
from stratengine_assets.portfolio.risk import pca_risk_model, usable_names
from stratengine_assets.price_history import close_matrix
from stratengine_assets.research.factor_math import daily_returns
from stratengine_assets.strategies import Strategy

MARKET_BETA = 1.0  # assumed for a name without a beta estimate

SIGNALS_SQL = """
SELECT s.signal_timestamp AS date, s.symbol AS ticker, s.signal,
       row_number() OVER (PARTITION BY s.signal_timestamp ORDER BY s.signal DESC, s.symbol) AS best_rank,
       row_number() OVER (PARTITION BY s.signal_timestamp ORDER BY s.signal ASC, s.symbol) AS worst_rank,
       coalesce(f.raw_value, $market_beta) AS beta, coalesce(sec.sector, '') AS sector
FROM signals s
LEFT JOIN factors f ON f.date = s.signal_timestamp AND f.ticker = s.symbol AND f.factor = 'beta_252d'
LEFT JOIN securities sec ON sec.ticker = s.symbol
WHERE s.strategy_id = $strategy AND s.signal_timestamp IN (SELECT unnest($days::DATE[]))
"""

PREVIOUS_SQL = """
SELECT ticker, weight FROM target_portfolio
WHERE strategy_id = $strategy AND date = rebalance_date AND rebalance_date = (
    SELECT max(rebalance_date) FROM target_portfolio WHERE strategy_id = $strategy AND rebalance_date < $before)
"""


def previous_book(conn, strategy: Strategy, before: pd.Timestamp) -> pd.Series:
    """The weights of the strategy's latest stored rebalance before `before` (empty when none)."""
    rows = conn.execute(PREVIOUS_SQL, {"strategy": strategy.strategy_id, "before": before.date()}).df()
    return rows.set_index("ticker")["weight"]


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
        turnover_cost=strategy.turnover_cost(),
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
    weights = optimize(alpha, model, strategy.limits(), strategy.risk_aversion, _book(strategy, picked, held))
    chosen = weights != 0
    return pd.DataFrame(
        {"ticker": picked["ticker"].to_numpy()[chosen], "weight": weights[chosen], "rebalance_date": when}
    )


RANKED_SQL = """
SELECT date, ticker, raw_value FROM factors
WHERE factor = $factor AND date IN (SELECT unnest($days::DATE[])) AND raw_value > 0
QUALIFY row_number() OVER (PARTITION BY date ORDER BY raw_value DESC, ticker) <= $top_n
"""


def ranked_equal_weight(conn, strategy: Strategy, when: pd.DatetimeIndex) -> pd.DataFrame:
    """The top_n names with a positive rank_factor (e.g. beating the benchmark), equally weighted."""
    ranked = conn.execute(
        RANKED_SQL, {"factor": strategy.rank_factor, "days": list(when.date), "top_n": strategy.top_n}
    ).df()
    ranked["weight"] = 1.0 / ranked.groupby("date")["ticker"].transform("size")
    ranked["rebalance_date"] = pd.to_datetime(ranked["date"])
    return ranked[["ticker", "weight", "rebalance_date"]]


def rebalance_weights(
    conn, strategy: Strategy, when: pd.DatetimeIndex, held: pd.Series | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rows (ticker, weight, rebalance_date) for the rebalance days `when`, and the days that failed and why.
    An optimized strategy starts from `held`, or from its stored book before when[0] when held is None."""
    if strategy.construction == "top_n_equal_weight":
        return ranked_equal_weight(conn, strategy, when), {}
    solved, failures = optimized_rebalances(conn, strategy, when, held)
    return (pd.concat(solved, ignore_index=True) if solved else pd.DataFrame()), failures


def optimized_rebalances(
    conn, strategy: Strategy, when: pd.DatetimeIndex, held: pd.Series | None = None
) -> tuple[list[pd.DataFrame], dict[str, str]]:
    """Solve each rebalance day in order, each starting from the book the one before left (a failed one keeps it)."""
    signals = conn.execute(
        SIGNALS_SQL, {"strategy": strategy.strategy_id, "days": list(when.date), "market_beta": MARKET_BETA}
    ).df()
    if signals.empty:
        return [], {}
    signals["date"] = pd.to_datetime(signals["date"])
    days = trading_days(shift_trading_days(when[0], -(strategy.covariance_lookback + 1)), when[-1])
    tickers = pd.Index(sorted(signals["ticker"].unique()))
    close = close_matrix(conn, tickers, days)
    held = previous_book(conn, strategy, when[0]) if held is None else held
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

"""Mean-variance optimizer (cvxpy): maximize alpha'w - risk_aversion * w'Σw under the strategy's limits."""

from __future__ import annotations

import cvxpy as cp
import numpy as np

ZERO_WEIGHT = 1e-6


class InfeasiblePortfolio(ValueError):
    """No portfolio satisfies the constraints; the message names the ones in conflict."""


def optimize_long_only(
    alpha: np.ndarray, covariance: np.ndarray, max_weight: float, risk_aversion: float
) -> np.ndarray:
    """Long-only, fully invested weights with a per-name cap."""
    n = len(alpha)
    if n == 0 or n * max_weight < 1 - 1e-9:
        raise InfeasiblePortfolio(
            f"fully invested (sum w = 1) conflicts with the per-name cap {max_weight:g} over {n} names: "
            f"at least {int(np.ceil(1 / max_weight))} names are needed"
        )
    factor = np.linalg.cholesky(covariance + 1e-10 * np.eye(n)).T
    w = cp.Variable(n)
    objective = cp.Maximize(alpha @ w - risk_aversion * cp.sum_squares(factor @ w))
    problem = cp.Problem(objective, [cp.sum(w) == 1, w >= 0, w <= max_weight])
    problem.solve(solver=cp.CLARABEL)
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or w.value is None:
        raise InfeasiblePortfolio(f"solver status {problem.status} for {n} names, cap {max_weight:g}")
    weights = np.clip(w.value, 0.0, max_weight)
    weights[weights < ZERO_WEIGHT] = 0.0
    return weights / weights.sum()

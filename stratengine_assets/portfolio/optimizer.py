"""Mean-variance optimizer (cvxpy): maximize alpha'w - risk_aversion * w'Σw under a strategy's limits."""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from stratengine_assets.portfolio.risk import FactorRiskModel

ZERO_WEIGHT = 1e-4  # smaller positions are noise from the solver, not holdings


class InfeasiblePortfolio(ValueError):
    """No portfolio satisfies the constraints; the message names the ones in conflict."""


@dataclass(frozen=True)
class Limits:
    """Long-only fully invested (net 1, gross 1) or long-short (e.g. net 0, gross 2), per-name cap."""

    long_only: bool = True
    net_exposure: float = 1.0
    gross_leverage: float = 1.0
    max_weight: float = 0.05

    def conflicts(self, names: int) -> list[str]:
        """Constraint pairs that no weights can satisfy together, in words."""
        found = []
        if self.long_only and names * self.max_weight < self.net_exposure - 1e-9:
            found.append(
                f"net exposure {self.net_exposure:g} with long-only weights capped at {self.max_weight:g} "
                f"needs at least {int(np.ceil(self.net_exposure / self.max_weight))} names, have {names}"
            )
        if abs(self.net_exposure) > self.gross_leverage + 1e-9:
            found.append(f"net exposure {self.net_exposure:g} exceeds gross leverage {self.gross_leverage:g}")
        if self.long_only and self.net_exposure < 0:
            found.append("long-only weights cannot have a negative net exposure")
        return found


def _risk(w: cp.Variable, risk: np.ndarray | FactorRiskModel) -> tuple[cp.Expression, list]:
    """w'Σw as a sum of squares: through factor exposures f = B'w for a factor model (no N x N matrix)."""
    if isinstance(risk, FactorRiskModel):
        exposures = cp.Variable(risk.loadings.shape[1])
        chol = np.linalg.cholesky(risk.factor_covariance + 1e-12 * np.eye(len(risk.factor_covariance)))
        expression = cp.sum_squares(chol.T @ exposures) + cp.sum_squares(
            cp.multiply(np.sqrt(risk.specific_variance), w)
        )
        return expression, [exposures == risk.loadings.T @ w]
    chol = np.linalg.cholesky(risk + 1e-10 * np.eye(len(risk))).T
    return cp.sum_squares(chol @ w), []


def optimize(alpha: np.ndarray, risk: np.ndarray | FactorRiskModel, limits: Limits, risk_aversion: float) -> np.ndarray:
    """Weights maximizing alpha'w - risk_aversion w'Σw, Σ a covariance matrix or a factor model;
    raises InfeasiblePortfolio naming the conflicting limits."""
    n = len(alpha)
    problems = limits.conflicts(n) if n else ["no candidate names"]
    if problems:
        raise InfeasiblePortfolio("; ".join(problems))
    w = cp.Variable(n)
    risk_term, linking = _risk(w, risk)
    constraints = [*linking, cp.sum(w) == limits.net_exposure, cp.norm1(w) <= limits.gross_leverage]
    constraints += [w >= 0, w <= limits.max_weight] if limits.long_only else [cp.abs(w) <= limits.max_weight]
    problem = cp.Problem(cp.Maximize(alpha @ w - risk_aversion * risk_term), constraints)
    problem.solve(solver=cp.CLARABEL)
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or w.value is None:
        raise InfeasiblePortfolio(f"solver status {problem.status} for {n} names under {limits}")
    return tidy(w.value, limits)


def tidy(weights: np.ndarray, limits: Limits) -> np.ndarray:
    """Drop solver dust below ZERO_WEIGHT and hand its mass to the other holdings in proportion to their room
    under the cap, so the net exposure and the cap both hold exactly."""
    weights = np.clip(weights, -limits.max_weight, limits.max_weight)
    weights[np.abs(weights) < ZERO_WEIGHT] = 0.0
    shortfall = limits.net_exposure - weights.sum()
    side = np.sign(shortfall)
    room = np.where((weights != 0) & (np.sign(weights) != -side), limits.max_weight - np.abs(weights), 0.0)
    if room.sum() > 0:
        weights = weights + shortfall * room / room.sum()
    return weights


def optimize_long_only(
    alpha: np.ndarray, covariance: np.ndarray, max_weight: float, risk_aversion: float
) -> np.ndarray:
    """Long-only, fully invested weights with a per-name cap."""
    return optimize(alpha, covariance, Limits(max_weight=max_weight), risk_aversion)

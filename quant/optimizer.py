"""Portfolio optimizer (cvxpy): maximize alpha'w - risk_aversion w'Σw - cost x turnover under a strategy's limits."""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from quant.risk_model import FactorRiskModel

ZERO_WEIGHT = 1e-4  # smaller positions are noise from the solver, not holdings
SOLVED = (cp.OPTIMAL, cp.OPTIMAL_INACCURATE)


class InfeasiblePortfolio(ValueError):
    """No portfolio satisfies the constraints; the message names the ones in conflict."""


@dataclass(frozen=True)
class Limits:
    """A strategy's constraints. Long-only fully invested (net 1, gross 1) or long-short (e.g. net 0, gross 2), a
    per-name cap; optionally sector nets within a band of their targets, |beta'w| within a band, a turnover limit
    per rebalance and a minimum number of names."""

    long_only: bool = True
    net_exposure: float = 1.0
    gross_leverage: float = 1.0
    max_weight: float = 0.05
    sector_band: float | None = None
    beta_band: float | None = None
    max_turnover: float | None = None
    min_names: int = 0

    def name_cap(self) -> float:
        """The per-name cap, tightened so the book needs at least min_names names to reach its exposure."""
        budget = self.net_exposure if self.long_only else self.gross_leverage
        return min(self.max_weight, budget / self.min_names) if self.min_names else self.max_weight

    def conflicts(self, names: int, book: Book | None = None) -> list[str]:
        """Constraints that no weights can satisfy together, in words."""
        book = book or Book()
        cap, found = self.name_cap(), []
        if names < self.min_names:
            found.append(f"minimum names {self.min_names} but only {names} candidates")
        if self.long_only and names * cap < self.net_exposure - 1e-9:
            found.append(
                f"net exposure {self.net_exposure:g} with long-only weights capped at {cap:g} "
                f"needs at least {int(np.ceil(self.net_exposure / cap))} names, have {names}"
            )
        if abs(self.net_exposure) > self.gross_leverage + 1e-9:
            found.append(f"net exposure {self.net_exposure:g} exceeds gross leverage {self.gross_leverage:g}")
        if self.long_only and self.net_exposure < 0:
            found.append("long-only weights cannot have a negative net exposure")
        found += self._book_conflicts(names, book, cap)
        return found

    def _book_conflicts(self, names: int, book: Book, cap: float) -> list[str]:
        found = []
        if self.max_turnover is not None and book.forced_turnover > self.max_turnover + 1e-9:
            found.append(
                f"max turnover {self.max_turnover:g} is below the {book.forced_turnover:.3g} forced by selling "
                "holdings that left the candidate list"
            )
        if self.long_only and self.beta_band is not None and book.betas is not None and names:
            lowest = _lowest_long_only_beta(book.betas, self.net_exposure, cap)
            if lowest > self.beta_band + 1e-9:
                found.append(
                    f"beta-neutral band {self.beta_band:g} with long-only net exposure {self.net_exposure:g}: "
                    f"the lowest reachable beta is {lowest:.3g}"
                )
        if self.long_only and self.sector_band is not None and book.sectors is not None and names:
            codes, counts = np.unique(book.sectors, return_counts=True)
            short = codes[counts * cap < self.net_exposure * counts / names - self.sector_band - 1e-9]
            if len(short):
                found.append(
                    f"sector band {self.sector_band:g} with long-only weights capped at {cap:g}: "
                    f"{len(short)} sector(s) cannot reach their target weight"
                )
        return found


@dataclass(frozen=True)
class Book:
    """What one rebalance knows beyond alpha and risk: sector codes and betas of the candidates, the weights
    held before it (aligned to the candidates), the weight of holdings outside the candidates (sold for sure)
    and the cost of one unit of turnover in the objective's (annual) units."""

    sectors: np.ndarray | None = None
    betas: np.ndarray | None = None
    previous: np.ndarray | None = None  # None: the book is built from cash, so no turnover limit or cost applies
    forced_turnover: float = 0.0
    turnover_cost: float = 0.0


def _lowest_long_only_beta(betas: np.ndarray, net: float, cap: float) -> float:
    """min beta'w over 0 <= w <= cap, sum w = net: fill the lowest betas first."""
    order = np.sort(betas)
    fill = np.clip(net - cap * np.arange(len(order)), 0.0, cap)
    return float(order @ fill)


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


@dataclass(frozen=True)
class _Weights:
    """The weights and, shared by every term that needs them, bounds on |w| and |w - previous| (one variable per name
    each, not one per norm: at 5,000 names that is a third fewer rows for the solver)."""

    w: cp.Variable
    size: cp.Variable  # size >= |w|: the gross and per-name limits bound it from above
    turnover: cp.Variable | None  # turnover >= |w - previous| when a book is held: the limit and the cost bound it

    @classmethod
    def of(cls, n: int, book: Book) -> _Weights:
        return cls(cp.Variable(n), cp.Variable(n), cp.Variable(n) if book.previous is not None else None)

    def definitions(self, book: Book) -> list:
        """The epigraph constraints: always satisfiable, so leaving them in never hides a conflict."""
        found = [self.size >= self.w, self.size >= -self.w]
        if self.turnover is not None:
            found += [self.turnover >= self.w - book.previous, self.turnover >= book.previous - self.w]
        return found


def _constraints(x: _Weights, limits: Limits, book: Book) -> dict[str, list]:
    """Constraint groups by the name an error message uses for them."""
    cap, n, w = limits.name_cap(), x.w.shape[0], x.w
    groups = {
        "net exposure": [cp.sum(w) == limits.net_exposure],
        "gross leverage": [cp.sum(x.size) <= limits.gross_leverage],
        "per-name cap": [w >= 0, w <= cap] if limits.long_only else [x.size <= cap],
    }
    if limits.sector_band is not None and book.sectors is not None:
        codes, members = np.unique(book.sectors, return_inverse=True)
        indicator = (members[None, :] == np.arange(len(codes))[:, None]).astype(float)
        target = limits.net_exposure * indicator.sum(axis=1) / n
        groups["sector band"] = [cp.abs(indicator @ w - target) <= limits.sector_band]
    if limits.beta_band is not None and book.betas is not None:
        groups["beta-neutral band"] = [cp.abs(book.betas @ w) <= limits.beta_band]
    if limits.max_turnover is not None and x.turnover is not None:
        groups["max turnover"] = [cp.sum(x.turnover) <= limits.max_turnover - book.forced_turnover]
    return groups


def _objective(x: _Weights, alpha: np.ndarray, risk_term, risk_aversion: float, book: Book) -> cp.Expression:
    objective = alpha @ x.w - risk_aversion * risk_term
    if book.turnover_cost and x.turnover is not None:
        objective -= book.turnover_cost * cp.sum(x.turnover)
    return objective


def _feasible(n: int, limits: Limits, book: Book, drop: str) -> bool:
    x = _Weights.of(n, book)
    kept = [c for name, group in _constraints(x, limits, book).items() if name != drop for c in group]
    problem = cp.Problem(cp.Minimize(0), [*x.definitions(book), *kept])
    problem.solve(solver=cp.CLARABEL)
    return problem.status in SOLVED


def diagnose(n: int, limits: Limits, book: Book) -> str:
    """Which constraint groups conflict: those whose removal alone makes the problem feasible."""
    names = list(_constraints(_Weights.of(n, book), limits, book))
    culprits = [name for name in names if _feasible(n, limits, book, drop=name)]
    if not culprits:
        return f"the limits conflict together ({', '.join(names)}) for {n} names"
    return f"{' / '.join(culprits)} conflict(s) with the other limits for {n} names; relaxing any one of them solves it"


def optimize(
    alpha: np.ndarray,
    risk: np.ndarray | FactorRiskModel,
    limits: Limits,
    risk_aversion: float,
    book: Book | None = None,
) -> np.ndarray:
    """Weights maximizing alpha'w - risk_aversion w'Σw - turnover_cost |w - previous|_1, Σ a covariance matrix or
    a factor model; raises InfeasiblePortfolio naming the conflicting limits."""
    book, n = book or Book(), len(alpha)
    problems = limits.conflicts(n, book) if n else ["no candidate names"]
    if problems:
        raise InfeasiblePortfolio("; ".join(problems))
    x = _Weights.of(n, book)
    risk_term, linking = _risk(x.w, risk)
    groups = _constraints(x, limits, book).values()
    constraints = [*linking, *x.definitions(book), *(c for group in groups for c in group)]
    problem = cp.Problem(cp.Maximize(_objective(x, alpha, risk_term, risk_aversion, book)), constraints)
    problem.solve(solver=cp.CLARABEL)
    if problem.status not in SOLVED or x.w.value is None:
        raise InfeasiblePortfolio(f"solver status {problem.status}: {diagnose(n, limits, book)}")
    weights = tidy(x.w.value, limits)
    if (weights != 0).sum() < limits.min_names:
        raise InfeasiblePortfolio(
            f"minimum names {limits.min_names}: the optimum holds {(weights != 0).sum()} names under {limits}"
        )
    return weights


def tidy(weights: np.ndarray, limits: Limits) -> np.ndarray:
    """Drop solver dust below ZERO_WEIGHT and hand its mass to the other holdings in proportion to their room
    under the cap, so the net exposure and the cap both hold exactly."""
    cap = limits.name_cap()
    weights = np.clip(weights, -cap, cap)
    weights[np.abs(weights) < ZERO_WEIGHT] = 0.0
    shortfall = limits.net_exposure - weights.sum()
    side = np.sign(shortfall)
    room = np.where((weights != 0) & (np.sign(weights) != -side), cap - np.abs(weights), 0.0)
    if room.sum() > 0:
        weights = weights + shortfall * room / room.sum()
    return weights


def optimize_long_only(
    alpha: np.ndarray, covariance: np.ndarray, max_weight: float, risk_aversion: float
) -> np.ndarray:
    """Long-only, fully invested weights with a per-name cap."""
    return optimize(alpha, covariance, Limits(max_weight=max_weight), risk_aversion)

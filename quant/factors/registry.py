"""The factor registry: each factor a declared unit (name, inputs, lookback, function of point-in-time inputs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quant.registry import Registry

INPUTS = ("close", "returns", "dollar_volume", "benchmark_returns", "benchmark_close", "fundamentals", "basis")
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")  # a column name in the warehouse: no '__', no quoting
SHARES_ON_PRICE_BASIS = "shares_on_price_basis"  # reported shares times F at their period end (quant/basis.py)


@dataclass(frozen=True)
class FactorInputs:
    """Matrices over (trading day x ticker), each cell known at the close of its day; benchmark series per day.
    close is on the adjusted basis; basis is F (as-traded / adjusted close, NaN where the name has none);
    fundamentals are as reported, plus SHARES_ON_PRICE_BASIS, the share count on the adjusted price basis."""

    close: np.ndarray
    returns: np.ndarray
    dollar_volume: np.ndarray
    benchmark_close: np.ndarray
    benchmark_returns: np.ndarray
    fundamentals: dict[str, np.ndarray]
    basis: np.ndarray | None = None
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def shared(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value several factors derive from these inputs, computed once (the 252-day beta and residual)."""
        if key not in self.derived:
            self.derived[key] = compute()
        return self.derived[key]

    def fundamental(self, metric: str) -> np.ndarray:
        return self.fundamentals.get(metric, np.full_like(self.close, np.nan))

    def market_cap(self) -> np.ndarray:
        """Adjusted close times the shares on the same basis; NaN where the day's basis is unknown."""
        known = np.isfinite(self.basis) if self.basis is not None else np.zeros_like(self.close, dtype=bool)
        return np.where(known, self.close * self.fundamental(SHARES_ON_PRICE_BASIS), np.nan)


@dataclass(frozen=True)
class Factor:
    name: str
    lookback: int
    inputs: tuple[str, ...]
    compute: Callable[[FactorInputs], np.ndarray]
    description: str = ""


FACTORS: Registry[Factor] = Registry("factor")


def factor(name: str, lookback: int, inputs: tuple[str, ...], description: str = ""):
    """Register a factor function under `name`; inputs name the FactorInputs fields it reads."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"factor {name!r}: a name is lower-case letters and digits, words joined by single '_'")
    unknown = set(inputs) - set(INPUTS)
    if unknown:
        raise ValueError(f"factor {name}: unknown inputs {sorted(unknown)}; known: {INPUTS}")

    def register(compute: Callable[[FactorInputs], np.ndarray]) -> Callable[[FactorInputs], np.ndarray]:
        FACTORS.add(Factor(name, lookback, inputs, compute, description))
        return compute

    return register


def max_lookback() -> int:
    return max(f.lookback for f in FACTORS)

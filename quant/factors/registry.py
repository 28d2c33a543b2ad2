"""The factor registry: each factor a declared unit (name, inputs, lookback, function of point-in-time inputs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from quant.registry import Registry

INPUTS = ("close", "returns", "dollar_volume", "benchmark_returns", "benchmark_close", "fundamentals")


@dataclass(frozen=True)
class FactorInputs:
    """Matrices over (trading day x ticker), each cell known at the close of its day; benchmark series per day."""

    close: np.ndarray
    returns: np.ndarray
    dollar_volume: np.ndarray
    benchmark_close: np.ndarray
    benchmark_returns: np.ndarray
    fundamentals: dict[str, np.ndarray]

    def fundamental(self, metric: str) -> np.ndarray:
        return self.fundamentals.get(metric, np.full_like(self.close, np.nan))


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
    unknown = set(inputs) - set(INPUTS)
    if unknown:
        raise ValueError(f"factor {name}: unknown inputs {sorted(unknown)}; known: {INPUTS}")

    def register(compute: Callable[[FactorInputs], np.ndarray]) -> Callable[[FactorInputs], np.ndarray]:
        FACTORS.add(Factor(name, lookback, inputs, compute, description))
        return compute

    return register


def max_lookback() -> int:
    return max(f.lookback for f in FACTORS)

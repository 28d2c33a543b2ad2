"""Factors as declared units. Importing anything from this package registers the built-in factors, then yours.

Adding a factor is one decorated function in `quant/factors/custom.py` (or a module it imports):

    @factor("momentum_3_1", lookback=63, inputs=("close",), description="return from t-63 to t-21")
    def momentum_3_1(x: FactorInputs) -> np.ndarray:
        return period_return(x.close, 63, 21)

It then appears in `factors` (raw value, z-score, sector-neutral z-score) on the next materialization.
Registration order is the library's order (models take their features in it), so the built-ins come first.
"""

from quant.factors import library  # noqa: F401  (registers the built-in factors)

# isort: split
from quant.factors import custom  # noqa: F401  (registers yours after them)
from quant.factors.registry import FACTORS, Factor, FactorInputs, factor, max_lookback

__all__ = ["FACTORS", "Factor", "FactorInputs", "factor", "max_lookback"]

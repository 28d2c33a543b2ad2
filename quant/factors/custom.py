"""Your own factors: one decorated function each; they appear in `factors` on the next materialization."""

import numpy as np

from quant.factors.registry import FactorInputs, factor
from quant.panel import period_return


@factor("momentum_3_1", lookback=63, inputs=("close",), description="return from t-63 to t-21")
def momentum_3_1(x: FactorInputs) -> np.ndarray:
    return period_return(x.close, 63, 21)

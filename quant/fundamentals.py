"""Point-in-time fundamentals: the metrics the warehouse keeps and the latest value known on each day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quant.panel import forward_fill

FUNDAMENTAL_METRICS = (
    "total_equity",
    "net_income",
    "total_revenue",
    "gross_profit",
    "total_assets",
    "shares_outstanding",
    "eps",
)
MAX_AGE_DAYS = 550  # a value stops counting this many days after its period end


def as_of(facts: pd.DataFrame, days: pd.DatetimeIndex, tickers: pd.Index, max_age_days: int) -> np.ndarray:
    """Latest value known on each day (known_at <= day); NaN once its period end is older than max_age_days."""
    matrix = np.full((len(days), len(tickers)), np.nan)
    period = np.full((len(days), len(tickers)), np.nan)
    if facts.empty:
        return matrix
    facts = facts.sort_values(["known_at", "period_end"])
    row = days.searchsorted(pd.DatetimeIndex(facts["known_at"]), side="left")
    col = tickers.get_indexer(facts["ticker"])
    keep = (row < len(days)) & (col >= 0)
    matrix[row[keep], col[keep]] = facts["value"].to_numpy(dtype="float64")[keep]
    period_days = pd.DatetimeIndex(facts["period_end"]).to_numpy().astype("datetime64[D]").astype("float64")
    period[row[keep], col[keep]] = period_days[keep]
    matrix, period = forward_fill(matrix), forward_fill(period)
    today = days.to_numpy().astype("datetime64[D]").astype("float64")[:, None]
    matrix[(today - period) > max_age_days] = np.nan
    return matrix

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
FIRST_PERIOD = pd.Timestamp("1990-01-01")  # an earlier period end is a typo, not a filing


def fact_problems(facts: pd.DataFrame) -> pd.Series:
    """Why each fact (ticker, metric, period_end, known_at, value) cannot be used (None where it can): a period
    end before 1990, a value known before its period ended, a value that is not a finite number, one fact with two
    values (both out), the same fact again (the copy out)."""
    key = ["ticker", "metric", "period_end", "known_at"]
    reason = pd.Series(None, index=facts.index, dtype="object")
    reason[facts.duplicated([*key, "value"], keep="first")] = "duplicate_fact"
    reason[facts.groupby(key, dropna=False)["value"].transform("nunique") > 1] = "conflicting_fact"
    reason[facts["known_at"] < facts["period_end"]] = "known_before_period_end"
    reason[~np.isfinite(facts["value"].to_numpy(dtype="float64"))] = "non_finite_value"
    reason[facts["period_end"] < FIRST_PERIOD] = "implausible_period_end"
    return reason


def fact_span(facts: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last day any of these facts can be the latest known value (known_at to the end of its life)."""
    if facts.empty:
        return None
    return pd.Timestamp(facts["known_at"].min()), pd.Timestamp(facts["period_end"].max()) + pd.Timedelta(
        days=MAX_AGE_DAYS
    )


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

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
SHARES = "shares_outstanding"
SHARE_JUMP = 2.0  # a share count this many times off both neighbours, and back, is a bad figure


def fact_problems(facts: pd.DataFrame) -> pd.Series:
    """Why each fact (ticker, metric, period_end, known_at, value) cannot be used (None where it can): a period
    end before 1990, a value known before its period ended, a value that is not a finite number, one fact with two
    values (both out), the same fact again (the copy out), a share count that is not positive or that jumps away
    from both its neighbours and back (see share_spikes), an EPS that net income over the share count of the same
    report contradicts (eps_off_basis)."""
    key = ["ticker", "metric", "period_end", "known_at"]
    reason = pd.Series(None, index=facts.index, dtype="object")
    reason[facts.duplicated([*key, "value"], keep="first")] = "duplicate_fact"
    reason[facts.groupby(key, dropna=False)["value"].transform("nunique") > 1] = "conflicting_fact"
    reason[share_spikes(facts, reason.isna())] = "implausible_share_jump"
    reason[eps_off_basis(facts, reason.isna())] = "eps_off_share_basis"
    shares = (facts["metric"] == SHARES).to_numpy()
    reason[shares & ~(facts["value"].to_numpy(dtype="float64") > 0)] = "non_positive_shares"
    reason[facts["known_at"] < facts["period_end"]] = "known_before_period_end"
    reason[~np.isfinite(facts["value"].to_numpy(dtype="float64"))] = "non_finite_value"
    reason[facts["period_end"] < FIRST_PERIOD] = "implausible_period_end"
    return reason


def eps_off_basis(facts: pd.DataFrame, usable: pd.Series) -> np.ndarray:
    """EPS facts more than SHARE_JUMP times off net income / shares of the same report (ticker, period end, known
    at), or of the other sign: a per-share figure on another split basis than the count, or a typo."""
    key = ["ticker", "period_end", "known_at"]
    picked = facts[usable.to_numpy()]
    wide = picked[picked["metric"].isin(["eps", "net_income", SHARES])].pivot_table(
        index=key, columns="metric", values="value", aggfunc="first"
    )
    if not {"eps", "net_income", SHARES} <= set(wide.columns):
        return np.zeros(len(facts), dtype=bool)
    implied = wide["net_income"] / wide[SHARES].where(wide[SHARES] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = wide["eps"] / implied
    bad = wide.index[(ratio.notna() & (implied.abs() > 0.01)) & ((ratio > SHARE_JUMP) | (ratio < 1 / SHARE_JUMP))]
    rows = pd.MultiIndex.from_frame(facts[key])
    return ((facts["metric"] == "eps") & usable).to_numpy() & rows.isin(bad)


def share_spikes(facts: pd.DataFrame, usable: pd.Series) -> np.ndarray:
    """Share counts more than SHARE_JUMP times above or below both the name's previous and next reported count,
    in opposite directions: a vendor's bad figure (a split moves the count once and it stays). Judged from the
    name's own reports, like a price spike; the first and last report have one neighbour and are kept."""
    value = facts["value"].to_numpy(dtype="float64")
    candidate = (facts["metric"] == SHARES).to_numpy() & usable.to_numpy() & (value > 0) & np.isfinite(value)
    rows = facts[candidate].assign(log=np.log(value[candidate])).sort_values(["ticker", "period_end"])
    step_in = rows["log"] - rows.groupby("ticker")["log"].shift(1)
    step_out = rows.groupby("ticker")["log"].shift(-1) - rows["log"]
    limit = np.log(SHARE_JUMP)
    spike = (step_in.abs() > limit) & (step_out.abs() > limit) & (np.sign(step_in) != np.sign(step_out))
    out = np.zeros(len(facts), dtype=bool)
    out[facts.index.get_indexer(rows.index[spike.to_numpy()])] = True
    return out


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

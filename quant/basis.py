"""The adjustment basis of a name's prices: F = as-traded close / adjusted close, per day.

Vendors ship closes adjusted for every later split and dividend (Stooq), or both closes (the canonical layout).
A value that combines a price with a share count or a per-share figure needs both on one basis as of its day:
the adjusted close times the reported shares re-based by F at the period the shares were reported for
(`rebased_shares`), which is the as-traded close times the shares the holder of the reported ones owns that day.

F comes from the as-traded close where every row of the name has one, else from the name's corporate actions
(every split and cash dividend, as paid), walking back from the name's last row (F = 1 there) over each ex-date e:
C(e-1) = (C(e) / r) / (1 + C(e) d / (r A(e-1))), with C = 1 / F, r the split ratio, d the dividend and A the
adjusted close of the session before e (the CRSP convention: a dividend scales earlier prices by 1 - d / close).
A name with neither has no basis, and nothing that needs one is computed for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEGMENT_COLUMNS = ["ticker", "first_date", "last_date", "factor", "source"]
SAME_FACTOR = 1e-9  # consecutive as-traded rows whose F differs less than this (relative) share a segment
EARLY_PERIOD_DAYS = 7  # a period end this close before a name's first priced day takes that day's F


def action_problems(actions: pd.DataFrame, sessions: pd.DatetimeIndex) -> pd.Series:
    """Why each corporate action (ticker, ex_date, split_ratio, dividend) cannot be used (None where it can)."""
    reason = pd.Series(None, index=actions.index, dtype="object")
    key = ["ticker", "ex_date"]
    values = actions[["split_ratio", "dividend"]]
    reason[actions.duplicated([*key, "split_ratio", "dividend"], keep="first")] = "duplicate_action"
    reason[values.assign(**actions[key]).groupby(key)["split_ratio"].transform("nunique") > 1] = "conflicting_action"
    reason[actions.groupby(key)["dividend"].transform("nunique") > 1] = "conflicting_action"
    reason[~actions["ex_date"].isin(sessions)] = "non_trading_day"
    reason[~(np.isfinite(actions["dividend"]) & (actions["dividend"] >= 0))] = "invalid_dividend"
    reason[~(np.isfinite(actions["split_ratio"]) & (actions["split_ratio"] > 0))] = "invalid_split"
    reason[actions["ex_date"].isna()] = "unparseable_date"
    return reason


def basis_segments(closes: pd.DataFrame, actions: pd.DataFrame, covered: set[str]) -> tuple[pd.DataFrame, dict]:
    """basis_segments_of_panel for rows (date, ticker, close, as_traded_close) instead of panels."""
    close = closes.pivot(index="date", columns="ticker", values="close").sort_index()
    as_traded = closes.pivot(index="date", columns="ticker", values="as_traded_close").reindex_like(close)
    days = pd.DatetimeIndex(close.index)
    return basis_segments_of_panel(
        days, close.columns, close.to_numpy(float), as_traded.to_numpy(float), actions, covered
    )


def basis_segments_of_panel(
    days: pd.DatetimeIndex,
    tickers: pd.Index,
    close: np.ndarray,
    as_traded: np.ndarray,
    actions: pd.DataFrame,
    covered: set[str],
) -> tuple[pd.DataFrame, dict]:
    """Each name's F as runs of days (SEGMENT_COLUMNS, by ticker and first day), and the names without a basis with
    why. `close` (adjusted) and `as_traded` (NaN where unknown) are day x ticker panels, a name's rows where its
    close is finite; `actions`: ticker, ex_date, split_ratio, dividend (as paid); `covered`: the names whose actions
    are complete. F from the as-traded closes is one vectorized pass over every such name; from actions, a few
    steps per name."""
    has = np.isfinite(close)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(has, as_traded / close, np.nan)
    traded = has.any(axis=0) & ~(has & ~np.isfinite(as_traded)).any(axis=0)
    missing, by_ticker = {}, dict(tuple(actions.groupby("ticker"))) if len(actions) else {}
    source = np.where(traded, "as_traded", "corporate_actions").astype(object)
    for col in np.flatnonzero(has.any(axis=0) & ~traded):
        ticker = str(tickers[col])
        if ticker not in covered:
            missing[ticker] = "adjusted prices only and no corporate actions landed"
            continue
        rows = np.flatnonzero(has[:, col])
        own = by_ticker.get(ticker, actions.iloc[0:0])
        factor[rows, col] = factor_from_actions(days[rows], close[rows, col], own)
    keep = has.any(axis=0) & ~np.isin(np.asarray(tickers, dtype=str), list(missing))
    return _runs(days, tickers, factor, has, keep, source), missing


def factor_from_actions(dates: pd.DatetimeIndex, close: np.ndarray, actions: pd.DataFrame) -> np.ndarray:
    """F per row from the name's actions, 1 on its last row (see the module docstring)."""
    factor = np.ones(len(dates))
    inside = actions[(actions["ex_date"] > dates[0]) & (actions["ex_date"] <= dates[-1])]
    c = 1.0
    for ex_date, ratio, dividend in inside.sort_values("ex_date", ascending=False)[
        ["ex_date", "split_ratio", "dividend"]
    ].itertuples(index=False):  # one step per action, a few per name and year
        before = int(dates.searchsorted(ex_date, side="left")) - 1
        c = (c / ratio) / (1 + c * dividend / (ratio * close[before]))
        factor[: before + 1] = 1.0 / c
    return factor


def _runs(
    days: pd.DatetimeIndex, tickers: pd.Index, factor: np.ndarray, has: np.ndarray, keep: np.ndarray, source: np.ndarray
) -> pd.DataFrame:
    """Each kept name's consecutive rows of (nearly) the same F as one segment each, by ticker and first day."""
    col, row = np.nonzero((has & keep).T)  # name by name, each name's rows in date order
    if not len(row):
        return pd.DataFrame(columns=SEGMENT_COLUMNS)
    values = factor[row, col]
    new_name = np.r_[True, col[1:] != col[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = np.r_[False, np.abs(values[1:] / values[:-1] - 1) > SAME_FACTOR]
    starts = np.flatnonzero(new_name | moved)
    ends = np.r_[starts[1:] - 1, len(row) - 1]
    return pd.DataFrame(
        {
            "ticker": np.asarray(tickers, dtype=object)[col[starts]],
            "first_date": days[row[starts]],
            "last_date": days[row[ends]],
            "factor": values[starts],
            "source": source[col[starts]],
        },
        columns=SEGMENT_COLUMNS,
    )


def basis_matrix(segments: pd.DataFrame, days: pd.DatetimeIndex, tickers: pd.Index) -> np.ndarray:
    """F on each (day, ticker) a segment covers; NaN elsewhere."""
    out = np.full((len(days), len(tickers)), np.nan)
    if segments.empty:
        return out
    col = tickers.get_indexer(segments["ticker"])
    start = days.searchsorted(pd.DatetimeIndex(segments["first_date"]), side="left")
    stop = days.searchsorted(pd.DatetimeIndex(segments["last_date"]), side="right")
    keep = (col >= 0) & (stop > start)
    lengths = (stop - start)[keep]
    rows = np.repeat(start[keep], lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    out[rows, np.repeat(col[keep], lengths)] = np.repeat(segments["factor"].to_numpy(dtype=float)[keep], lengths)
    return out


def factor_on(segments: pd.DataFrame, tickers: pd.Series, dates: pd.Series) -> np.ndarray:
    """F of each (ticker, date): the segment holding the name's last priced day on or before the date; a date
    up to EARLY_PERIOD_DAYS before the name's first priced day takes that day's F; NaN otherwise (and for no date).

    One sorted search over (ticker, first_date) keys for all asks at once."""
    out = np.full(len(tickers), np.nan)
    if segments.empty or not len(tickers):
        return out
    names = pd.Index(pd.unique(segments["ticker"].to_numpy()))
    seg_code = names.get_indexer(segments["ticker"].to_numpy()).astype(np.int64)
    seg_day = pd.to_datetime(segments["first_date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    order = np.lexsort((seg_day, seg_code))
    seg_code, seg_day = seg_code[order], seg_day[order]
    seg_factor = segments["factor"].to_numpy(dtype=float)[order]
    ask_code = names.get_indexer(tickers.to_numpy()).astype(np.int64)
    ask_date = pd.to_datetime(dates).to_numpy().astype("datetime64[D]")
    ask_day = ask_date.astype(np.int64)
    usable = (ask_code >= 0) & ~np.isnat(ask_date)
    found = np.searchsorted(_keys(seg_code, seg_day), _keys(ask_code, ask_day), side="right") - 1
    own = usable & (found >= 0) & (seg_code[np.maximum(found, 0)] == ask_code)
    first = np.minimum(found + 1, len(seg_code) - 1)  # the name's first segment when the date precedes it
    early = usable & ~own & (seg_code[first] == ask_code) & (seg_day[first] - ask_day <= EARLY_PERIOD_DAYS)
    out[own] = seg_factor[found[own]]
    out[early] = seg_factor[first[early]]
    return out


def _keys(codes: np.ndarray, days: np.ndarray) -> np.ndarray:
    """One sortable int64 per (ticker code, day since 1970): code in the high bits."""
    return (codes << 32) + (days + (1 << 31))


def rebased_shares(facts: pd.DataFrame, segments: pd.DataFrame, metric: str = "shares_outstanding") -> pd.DataFrame:
    """The share-count facts times F at their period end: shares on the adjusted price basis (NaN without one)."""
    shares = facts[facts["metric"] == metric].copy()
    shares["value"] = shares["value"].to_numpy(dtype=float) * factor_on(
        segments, shares["ticker"], shares["period_end"]
    )
    return shares[np.isfinite(shares["value"])]

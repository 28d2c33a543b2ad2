"""Factor evaluation on (trading day x ticker) matrices, following Alphalens' definitions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from quant.panel import forward_fill, forward_returns, lagged

HORIZONS = (1, 5, 21)
QUANTILES = 5
MIN_CORRELATION_NAMES = 3  # fewest names a per-day correlation (IC, rank autocorrelation) is computed on


def _row_ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties share their mean rank) of each row's finite values; NaN elsewhere."""
    return pd.DataFrame(np.where(np.isfinite(values), values, np.nan)).rank(axis=1).to_numpy(copy=True)


def _row_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row: Pearson correlation over the columns where both are finite; NaN below MIN_CORRELATION_NAMES."""
    both = np.isfinite(a) & np.isfinite(b)
    names = both.sum(axis=1)
    usable = names >= MIN_CORRELATION_NAMES
    out = np.full(len(a), np.nan)
    if not usable.any():
        return out
    a, b, both = a[usable], b[usable], both[usable]
    count = names[usable, None]
    da = np.where(both, a - np.where(both, a, 0.0).sum(axis=1, keepdims=True) / count, 0.0)
    db = np.where(both, b - np.where(both, b, 0.0).sum(axis=1, keepdims=True) / count, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[usable] = (da * db).sum(axis=1) / np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))
    return out


def daily_ic(factor: np.ndarray, forward: np.ndarray, method: str) -> np.ndarray:
    """Per day: Pearson or Spearman (Pearson of average ranks) correlation of factor and forward return."""
    both = np.isfinite(factor) & np.isfinite(forward)
    factor, forward = np.where(both, factor, np.nan), np.where(both, forward, np.nan)
    if method == "spearman":
        return _row_pearson(_row_ranks(factor), _row_ranks(forward))
    if method == "pearson":
        return _row_pearson(factor, forward)
    raise ValueError(f"unknown IC method {method!r}")


def _qcut_probabilities(quantiles: int) -> np.ndarray:
    """The quantile probabilities pd.qcut(x, quantiles) uses, rounded up where not representable."""
    probs = np.linspace(0, 1, quantiles + 1)
    return np.where(quantiles * probs != np.arange(quantiles + 1), np.nextafter(probs, 1), probs)


def quantile_labels(factor: np.ndarray, quantiles: int = QUANTILES) -> np.ndarray:
    """Per row: pd.qcut(finite values, quantiles, labels=False) + 1; 0 if missing or the row's edges are not unique."""
    finite = np.isfinite(factor)
    values = np.where(finite, factor, np.nan)
    labels = np.zeros(factor.shape, dtype=np.int64)
    rows = finite.any(axis=1)
    if not rows.any():
        return labels
    edges = np.nanquantile(values[rows], _qcut_probabilities(quantiles), axis=1).T  # rows x (quantiles + 1)
    above = sum((values[rows] > edges[:, [k]]).astype(np.int64) for k in range(quantiles + 1))
    block = np.where(finite[rows], np.maximum(above, 1), 0)  # qcut's include_lowest puts the minimum in bin 1
    if quantiles > 1:
        block[(np.diff(edges, axis=1) == 0).any(axis=1)] = 0  # qcut raises on duplicate edges; alphalens drops the day
    labels[rows] = block
    return labels


def quantile_mean_returns(labels: np.ndarray, forward: np.ndarray, quantiles: int, demeaned: bool) -> np.ndarray:
    """Days x quantiles mean forward return of each quantile's names; demeaned subtracts the labelled names' mean."""
    labelled = (labels > 0) & np.isfinite(forward)
    returns = np.where(labelled, forward, 0.0)
    if demeaned:
        with np.errstate(divide="ignore", invalid="ignore"):
            returns = returns - returns.sum(axis=1, keepdims=True) / labelled.sum(axis=1, keepdims=True)
    out = np.full((len(labels), quantiles), np.nan)
    for q in range(1, quantiles + 1):
        members = labelled & (labels == q)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, q - 1] = np.where(members, returns, 0.0).sum(axis=1) / members.sum(axis=1)
    return out


def rank_autocorrelation(factor: np.ndarray, lag: int = 1) -> np.ndarray:
    """Per day: Pearson correlation of today's factor ranks with the ranks lag rows earlier, over common names."""
    ranks = _row_ranks(factor)
    return _row_pearson(ranks, lagged(ranks, lag))


def quantile_turnover(labels: np.ndarray, quantile: int, lag: int = 1) -> np.ndarray:
    """Per day: share of the quantile's names that were not in it lag rows earlier; NaN if either day has none."""
    now = labels == quantile
    before = lagged(now.astype(np.float64), lag) == 1.0
    size, size_before = now.sum(axis=1), before.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((size > 0) & (size_before > 0), (now & ~before).sum(axis=1) / size, np.nan)


def evaluation_sample(
    factor: np.ndarray, close: np.ndarray, horizons: tuple[int, ...] = HORIZONS, quantiles: int = QUANTILES
) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """Alphalens' clean sample: quantile labels (0 = out), factor and per-horizon forward returns (NaN = out).

    As get_clean_factor_and_forward_returns: close is forward-filled (alphalens' prices.ffill()); a (day, name)
    enters only if its factor is finite AND its forward return is finite for EVERY horizon, so all horizons share
    the names and the last max(horizons) days drop out. Quantiles are cut per day on that sample only; a day whose
    qcut edges are not unique (heavy ties) gets no labels and leaves the sample, as alphalens drops it.
    """
    forwards = {h: forward_returns(forward_fill(close), h) for h in horizons}
    usable = np.isfinite(factor) & np.logical_and.reduce([np.isfinite(f) for f in forwards.values()])
    labels = quantile_labels(np.where(usable, factor, np.nan), quantiles)
    inside = labels > 0
    return labels, np.where(inside, factor, np.nan), {h: np.where(inside, f, np.nan) for h, f in forwards.items()}


def evaluate(
    factor: np.ndarray,
    close: np.ndarray,
    days: pd.DatetimeIndex,
    horizons: tuple[int, ...] = HORIZONS,
    quantiles: int = QUANTILES,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily (day x horizon) ICs and top-minus-bottom spread, and a one-row-per-horizon summary, on evaluation_sample.

    Every metric (IC, quantile returns, rank autocorrelation, turnover) uses the same sample alphalens would build
    from this factor and close, so they match alphalens on the same frame; see evaluation_sample for the rules.
    """
    daily = daily_metrics(factor, close, days, horizons, quantiles)
    has = daily["pearson_ic"].notna() | daily["spearman_ic"].notna()
    columns = ["date", "horizon", "pearson_ic", "spearman_ic", "top_minus_bottom"]
    return daily.loc[has, columns].reset_index(drop=True), summarize(daily, quantiles)


def summarize(daily: pd.DataFrame, quantiles: int = QUANTILES, by: Sequence[str] = ("horizon",)) -> pd.DataFrame:
    """Per horizon (or per `by`): days with an IC and their span, mean ICs, rank IC std and IR, and the means of the
    rest. Sums run in the rows' order, so the same rows in the same order give the same figures to the bit."""
    keys = list(by)
    with_ic = daily[daily["pearson_ic"].notna() | daily["spearman_ic"].notna()]
    span = with_ic.groupby(keys)["date"].agg(days="count", start_date="min", end_date="max")
    means = daily.groupby(keys).mean(numeric_only=True)
    summary = span.join(
        means.rename(columns={"pearson_ic": "mean_pearson_ic", "spearman_ic": "mean_spearman_ic"}), how="outer"
    )
    summary["spearman_ic_std"] = with_ic.groupby(keys)["spearman_ic"].std(ddof=1)
    std = summary["spearman_ic_std"]
    summary["ic_ir"] = (summary["mean_spearman_ic"] / std).where(std > 0)
    summary["days"] = summary["days"].fillna(0).astype(int)
    quantile_columns = [f"q{q}_return" for q in range(1, quantiles + 1)]
    order = ["days", "start_date", "end_date", "mean_pearson_ic", "mean_spearman_ic", "spearman_ic_std", "ic_ir"]
    rest = ["top_minus_bottom", "rank_autocorrelation", "top_turnover", "bottom_turnover"]
    return summary[order + quantile_columns + rest].reset_index()


def daily_metrics(
    factor: np.ndarray,
    close: np.ndarray,
    days: pd.DatetimeIndex,
    horizons: tuple[int, ...] = HORIZONS,
    quantiles: int = QUANTILES,
) -> pd.DataFrame:
    """Every per-day number evaluate() averages, one row per day x horizon that has a sample: ICs, the raw mean
    forward return per quantile, top minus bottom, rank autocorrelation and top/bottom quantile turnover."""
    labels, clean, forwards = evaluation_sample(factor, close, horizons, quantiles)
    ranks = _row_ranks(clean)  # inside the sample factor and every forward return are finite together
    shared = {
        "rank_autocorrelation": _row_pearson(ranks, lagged(ranks, 1)),
        "top_turnover": quantile_turnover(labels, quantiles),
        "bottom_turnover": quantile_turnover(labels, 1),
    }
    sampled = (labels > 0).any(axis=1)
    frames = []
    for h in horizons:
        means = quantile_mean_returns(labels, forwards[h], quantiles, demeaned=False)
        frame = pd.DataFrame(
            {
                "date": days,
                "horizon": h,
                "pearson_ic": _row_pearson(clean, forwards[h]),
                "spearman_ic": _row_pearson(ranks, _row_ranks(forwards[h])),
                **{f"q{q}_return": means[:, q - 1] for q in range(1, quantiles + 1)},
                "top_minus_bottom": means[:, -1] - means[:, 0],
                **shared,
            }
        )
        frames.append(frame[sampled])
    return pd.concat(frames, ignore_index=True)

"""Factor evaluation on (trading day x ticker) matrices, following Alphalens' definitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from quant.panel import forward_fill, forward_returns, lagged, row_quantiles, row_ranks

HORIZONS = (1, 5, 21)
QUANTILES = 5
MIN_CORRELATION_NAMES = 3  # fewest names a per-day correlation (IC, rank autocorrelation) is computed on
FILTER_ZSCORE = 20.0  # alphalens' default outlier filter: get_clean_factor_and_forward_returns(filter_zscore=20)


def _row_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row: Pearson correlation over the columns where both are finite; NaN below MIN_CORRELATION_NAMES."""
    both = np.isfinite(a) & np.isfinite(b)
    names = np.count_nonzero(both, axis=1)
    return _correlation(_centred(a, both, names), _centred(b, both, names), names)


def _correlation(da: np.ndarray, db: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Per row: the correlation of two matrices _centred on the same cells (names of them per row), by einsum, so
    no full-size product is allocated; NaN below MIN_CORRELATION_NAMES."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _row_dot(da, db) / np.sqrt(_row_dot(da, da) * _row_dot(db, db))
    out[names < MIN_CORRELATION_NAMES] = np.nan
    return out


def _centred(x: np.ndarray, keep: np.ndarray, count: np.ndarray) -> np.ndarray:
    """x less its row mean over the kept cells, 0 elsewhere (two in-place passes, cheaper than a masked subtract)."""
    out = np.where(keep, x, 0.0)
    total = out.sum(axis=1)
    mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    out -= mean[:, None]
    out *= keep
    return out


def _row_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b)


def daily_ic(factor: np.ndarray, forward: np.ndarray, method: str) -> np.ndarray:
    """Per day: Pearson or Spearman (Pearson of average ranks) correlation of factor and forward return."""
    both = np.isfinite(factor) & np.isfinite(forward)
    factor, forward = np.where(both, factor, np.nan), np.where(both, forward, np.nan)
    if method == "spearman":
        return _row_pearson(row_ranks(factor), row_ranks(forward))
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
    labels = np.zeros(factor.shape, dtype=np.int64)
    rows = finite.any(axis=1)
    if not rows.any():
        return labels
    every_row = bool(rows.all())  # the usual case: no row copies
    picked, kept = (factor, finite) if every_row else (factor[rows], finite[rows])
    edges = row_quantiles(np.where(kept, picked, np.nan), _qcut_probabilities(quantiles))  # rows x (quantiles + 1)
    above = np.zeros(picked.shape, dtype=np.int8 if quantiles < 127 else np.int64)
    for k in range(quantiles + 1):
        above += picked > edges[:, [k]]  # NaN compares False
    np.maximum(above, 1, out=above)  # qcut's include_lowest puts the minimum in bin 1
    block = np.where(kept, above, 0)
    if quantiles > 1:
        block[(np.diff(edges, axis=1) == 0).any(axis=1)] = 0  # qcut raises on duplicate edges; alphalens drops the day
    if every_row:
        return block.astype(np.int64)
    labels[rows] = block
    return labels


def quantile_mean_returns(labels: np.ndarray, forward: np.ndarray, quantiles: int, demeaned: bool) -> np.ndarray:
    """Days x quantiles mean forward return of each quantile's names; demeaned subtracts the labelled names' mean."""
    raw, less_mean = quantile_means(labels, forward, quantiles)
    return less_mean if demeaned else raw


def quantile_means(labels: np.ndarray, forward: np.ndarray, quantiles: int) -> tuple[np.ndarray, np.ndarray]:
    """Days x quantiles raw and demeaned mean forward returns of each quantile's names with a finite return."""
    labelled = (labels > 0) & np.isfinite(forward)
    return QuantileCells.of(np.where(labelled, labels, 0), quantiles).means(np.where(labelled, forward, 0.0))


@dataclass(frozen=True)
class QuantileCells:
    """Each cell's (day, quantile) bin of a labelled sample (bin 0: not labelled) and the names in every bin: the
    bincount key every horizon's quantile means share."""

    key: np.ndarray
    counts: np.ndarray  # days x (quantiles + 1)

    @classmethod
    def of(cls, labels: np.ndarray, quantiles: int) -> QuantileCells:
        key = (np.arange(len(labels))[:, None] * (quantiles + 1) + labels).ravel()
        return cls(key, np.bincount(key, minlength=len(labels) * (quantiles + 1)).reshape(len(labels), quantiles + 1))

    def means(self, returns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw and demeaned mean return per day and quantile, from one bincount; `returns` must be finite on every
        labelled cell (what the unlabelled hold, NaN included, falls in bin 0). A quantile's demeaned mean is its
        raw mean less the day's mean over every labelled name (alphalens demeans each return first; the two
        differ by rounding only)."""
        sums = np.bincount(self.key, weights=returns.ravel(), minlength=self.counts.size).reshape(self.counts.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = sums[:, 1:] / self.counts[:, 1:]
            day_mean = sums[:, 1:].sum(axis=1, keepdims=True) / self.counts[:, 1:].sum(axis=1, keepdims=True)
        return raw, raw - day_mean


def rank_autocorrelation(factor: np.ndarray, lag: int = 1) -> np.ndarray:
    """Per day: Pearson correlation of today's factor ranks with the ranks lag rows earlier, over common names."""
    ranks = row_ranks(factor)
    return _row_pearson(ranks, lagged(ranks, lag))


def quantile_turnover(labels: np.ndarray, quantile: int, lag: int = 1) -> np.ndarray:
    """Per day: share of the quantile's names that were not in it lag rows earlier; NaN if either day has none."""
    now = labels == quantile
    before = lagged(now.astype(np.float64), lag) == 1.0
    size, size_before = now.sum(axis=1), before.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((size > 0) & (size_before > 0), (now & ~before).sum(axis=1) / size, np.nan)


def forward_return_panels(close: np.ndarray, horizons: tuple[int, ...] = HORIZONS) -> dict[int, np.ndarray]:
    """Per horizon h: close[t + h] / close[t] - 1 on the forward-filled closes (alphalens' prices.ffill())."""
    filled = forward_fill(close)
    return {h: forward_returns(filled, h) for h in horizons}


def usable_cells(factor: np.ndarray, forwards: Mapping[int, np.ndarray]) -> np.ndarray:
    """Cells whose factor and forward return at every horizon are finite: what alphalens' dropna keeps."""
    return np.isfinite(factor) & np.logical_and.reduce([np.isfinite(f) for f in forwards.values()])


def zscore_outliers(forwards: Mapping[int, np.ndarray], rows: np.ndarray, filter_zscore: float) -> np.ndarray:
    """alphalens' outlier filter (get_clean_factor_and_forward_returns(filter_zscore=...)): the cells of `rows`
    (the factor's dates) whose forward return at any horizon is more than filter_zscore sample standard deviations
    (ddof=1) from its ticker's mean, mean and deviation taken over the finite returns of `rows`, whether or not the
    factor has a value there. A look-ahead, as alphalens warns: a day's verdict depends on every date's returns.
    It never fires on a ticker with fewer than 402 returns: none of n values lies beyond (n - 1) / sqrt(n)."""
    rows = np.asarray(rows, dtype=bool)
    out = np.zeros(next(iter(forwards.values())).shape, dtype=bool)
    for forward in forwards.values():
        picked = forward[rows]
        finite = np.isfinite(picked)
        count = finite.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(finite, picked, 0.0).sum(axis=0) / count
            deviation = np.where(finite, picked - mean, 0.0)
            std = np.sqrt((deviation * deviation).sum(axis=0) / (count - 1))
            out[rows] |= np.abs(picked - mean) > filter_zscore * std  # NaN (no return, or one) compares False
    return out


def outliers(factor: np.ndarray, forwards: Mapping[int, np.ndarray], filter_zscore: float | None) -> np.ndarray | None:
    """zscore_outliers over the factor's dates (the rows where it has a value), or None without a filter."""
    if filter_zscore is None:
        return None
    return zscore_outliers(forwards, np.isfinite(factor).any(axis=1), filter_zscore)


def sample_from_forwards(
    factor: np.ndarray,
    forwards: Mapping[int, np.ndarray],
    quantiles: int = QUANTILES,
    excluded: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """evaluation_sample on forward returns already computed, `excluded` cells (alphalens' outliers) left out."""
    usable = usable_cells(factor, forwards)
    if excluded is not None:
        usable &= ~excluded
    labels = quantile_labels(np.where(usable, factor, np.nan), quantiles)
    inside = labels > 0
    return labels, np.where(inside, factor, np.nan), {h: np.where(inside, f, np.nan) for h, f in forwards.items()}


def evaluation_sample(
    factor: np.ndarray,
    close: np.ndarray,
    horizons: tuple[int, ...] = HORIZONS,
    quantiles: int = QUANTILES,
    filter_zscore: float | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """Alphalens' clean sample: quantile labels (0 = out), factor and per-horizon forward returns (NaN = out).

    As get_clean_factor_and_forward_returns: close is forward-filled (alphalens' prices.ffill()); a (day, name)
    enters only if its factor is finite AND its forward return is finite for EVERY horizon, so all horizons share
    the names and the last max(horizons) days drop out. Quantiles are cut per day on that sample only; a day whose
    qcut edges are not unique (heavy ties) gets no labels and leaves the sample, as alphalens drops it.
    filter_zscore (alphalens' default is 20, ours None) also leaves out zscore_outliers, the factor's dates being
    the rows where it has a finite value.
    """
    forwards = forward_return_panels(close, horizons)
    return sample_from_forwards(factor, forwards, quantiles, outliers(factor, forwards, filter_zscore))


def evaluate(
    factor: np.ndarray,
    close: np.ndarray,
    days: pd.DatetimeIndex,
    horizons: tuple[int, ...] = HORIZONS,
    quantiles: int = QUANTILES,
    filter_zscore: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily (day x horizon) ICs and top-minus-bottom spread, and a one-row-per-horizon summary, on evaluation_sample.

    Every metric (IC, quantile returns, rank autocorrelation, turnover) uses the same sample alphalens would build
    from this factor and close with the same filter_zscore (None: no outlier filter; alphalens' default is
    FILTER_ZSCORE), so they match alphalens on the same frame; see evaluation_sample for the rules.
    """
    daily = daily_metrics(factor, close, days, horizons, quantiles, filter_zscore)
    has = daily["pearson_ic"].notna() | daily["spearman_ic"].notna()
    columns = ["date", "horizon", "pearson_ic", "spearman_ic", "top_minus_bottom"]
    return daily.loc[has, columns].reset_index(drop=True), summarize(daily, quantiles)


def quantile_columns(quantiles: int = QUANTILES) -> dict[str, list[str]]:
    """The per-quantile column names: raw and demeaned mean forward return."""
    ks = range(1, quantiles + 1)
    return {"raw": [f"q{q}_return" for q in ks], "demeaned": [f"q{q}_return_demeaned" for q in ks]}


def summarize(daily: pd.DataFrame, quantiles: int = QUANTILES, by: Sequence[str] = ("horizon",)) -> pd.DataFrame:
    """Per horizon (or per `by`): days with an IC and their span, mean ICs, rank IC std and IR, and the mean over days
    of the rest. Sums run in the rows' order, so the same rows in the same order give the same figures to the bit.

    The mean over days of q<k>_return is alphalens' mean_return_by_quantile(by_date=False, demeaned=False); that of
    q<k>_return_demeaned is its default (by_date=False, demeaned=True): alphalens also averages per-day means."""
    keys = list(by)
    columns = quantile_columns(quantiles)
    with_ic = daily[daily["pearson_ic"].notna() | daily["spearman_ic"].notna()]
    span = with_ic.groupby(keys)["date"].agg(days="count", start_date="min", end_date="max")
    rest = ["top_minus_bottom", "rank_autocorrelation", "top_turnover", "bottom_turnover"]
    means = daily.groupby(keys)[["pearson_ic", "spearman_ic", *rest, *columns["raw"], *columns["demeaned"]]].mean()
    summary = span.join(
        means.rename(columns={"pearson_ic": "mean_pearson_ic", "spearman_ic": "mean_spearman_ic"}), how="outer"
    )
    summary["spearman_ic_std"] = with_ic.groupby(keys)["spearman_ic"].std(ddof=1)
    std = summary["spearman_ic_std"]
    summary["ic_ir"] = (summary["mean_spearman_ic"] / std).where(std > 0)
    summary["days"] = summary["days"].fillna(0).astype(int)
    order = ["days", "start_date", "end_date", "mean_pearson_ic", "mean_spearman_ic", "spearman_ic_std", "ic_ir"]
    return summary[order + columns["raw"] + rest + columns["demeaned"]].reset_index()


def daily_metrics(
    factor: np.ndarray,
    close: np.ndarray,
    days: pd.DatetimeIndex,
    horizons: tuple[int, ...] = HORIZONS,
    quantiles: int = QUANTILES,
    filter_zscore: float | None = None,
) -> pd.DataFrame:
    """Every per-day number evaluate() summarizes, one row per day x horizon that has a sample: ICs, per quantile the
    raw and demeaned (less the day's sample mean) mean forward return, top minus bottom, rank
    autocorrelation and top/bottom quantile turnover."""
    forwards = forward_return_panels(close, horizons)
    return sample_metrics(factor, forwards, days, quantiles, outliers(factor, forwards, filter_zscore))


def _quantile_frame(cells: QuantileCells, forward: np.ndarray, quantiles: int) -> dict[str, np.ndarray]:
    """Each day's raw and demeaned mean forward return of every quantile."""
    columns = quantile_columns(quantiles)
    raw, demeaned = cells.means(forward)
    return {columns["raw"][q]: raw[:, q] for q in range(quantiles)} | {
        columns["demeaned"][q]: demeaned[:, q] for q in range(quantiles)
    }


def sample_metrics(
    factor: np.ndarray,
    forwards: Mapping[int, np.ndarray],
    days: pd.DatetimeIndex,
    quantiles: int = QUANTILES,
    excluded: np.ndarray | None = None,
) -> pd.DataFrame:
    """daily_metrics on forward returns already computed (forward_return_panels), `excluded` cells left out."""
    labels, clean, forwards = sample_from_forwards(factor, forwards, quantiles, excluded)
    ranks = row_ranks(clean)
    inside = labels > 0  # where the factor and every forward return are finite: each IC's cells, centred once
    names = np.count_nonzero(inside, axis=1)
    centred_factor, centred_ranks = _centred(clean, inside, names), _centred(ranks, inside, names)
    cells = QuantileCells.of(labels, quantiles)
    shared = {
        "rank_autocorrelation": _row_pearson(ranks, lagged(ranks, 1)),
        "top_turnover": quantile_turnover(labels, quantiles),
        "bottom_turnover": quantile_turnover(labels, 1),
    }
    sampled = names > 0
    raw = quantile_columns(quantiles)["raw"]
    frames = []
    for h, forward in forwards.items():
        per_quantile = _quantile_frame(cells, forward, quantiles)
        frame = pd.DataFrame(
            {
                "date": days,
                "horizon": h,
                "pearson_ic": _correlation(centred_factor, _centred(forward, inside, names), names),
                "spearman_ic": _correlation(centred_ranks, _centred(row_ranks(forward), inside, names), names),
                **per_quantile,
                "top_minus_bottom": per_quantile[raw[-1]] - per_quantile[raw[0]],
                **shared,
            }
        )
        frames.append(frame[sampled])
    return pd.concat(frames, ignore_index=True)

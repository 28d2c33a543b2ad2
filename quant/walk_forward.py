"""Walk-forward scikit-learn signal models on a (day x ticker x feature) z-score panel, purged and embargoed.

Timing. A feature row of day t is known at the close of t; a prediction made from it trades at t + 1.
Labels. The label of sample (s, ticker) is the forward return close[s] -> close[s + horizon], ranked per day s
among the names with a finite return and at least one finite feature, mapped to [-0.5, 0.5] ((rank - 1) / (n - 1)
- 0.5, ties averaged). Ranks rather than demeaned returns: robust to fat tails and to volatility regimes, and the
signal is used only to order names.
Purge and embargo. The model fitted at the close of fit day f trains on sample days s with
s + horizon + embargo <= f, so every price in a training label is dated f - embargo or earlier.
Fit days. The first trading day of each block of `refit_every` weekdays counted from 2000-01-03, a pure function of
the calendar: the same day gets the same model whatever range is loaded, provided `history_needed` days precede it.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge

from quant.panel import forward_returns, row_ranks

ANCHOR = np.datetime64("2000-01-03", "D")
DEFAULT_PARAMS: dict[str, dict] = {
    "ridge": {"alpha": 1.0},
    "hist_gradient_boosting": {
        "max_iter": 100,
        "learning_rate": 0.05,
        "max_depth": 3,
        "random_state": 0,
        "early_stopping": False,
    },
}
ESTIMATORS = {"ridge": Ridge, "hist_gradient_boosting": HistGradientBoostingRegressor}
MODELS = tuple(ESTIMATORS)


@dataclass(frozen=True)
class ModelSpec:
    """What to fit and when: estimator, label horizon, embargo, training window and refit cadence (trading days)."""

    model: str = "ridge"
    horizon: int = 21
    embargo: int | None = None
    train_window: int = 504
    refit_every: int = 21
    min_train_samples: int = 1000
    min_train_sessions: int | None = None  # sessions of the window that must carry a label; None: all train_window
    max_train_samples: int | None = 250_000  # beyond this a fit uses a fixed pseudo-random share of the samples
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.model not in ESTIMATORS:
            raise ValueError(f"model must be one of {sorted(ESTIMATORS)}, not {self.model!r}")
        if self.embargo is None:
            object.__setattr__(self, "embargo", self.horizon)
        if self.horizon < 1 or self.embargo < 0 or self.train_window < 1 or self.refit_every < 1:
            raise ValueError("need horizon >= 1, embargo >= 0, train_window >= 1 and refit_every >= 1")
        if self.min_train_sessions is None:
            object.__setattr__(self, "min_train_sessions", self.train_window)
        if not 1 <= self.min_train_sessions <= self.train_window:
            raise ValueError("min_train_sessions must lie in [1, train_window]")

    @property
    def estimator_params(self) -> dict:
        """The model's default hyperparameters overridden by `params`."""
        return {**DEFAULT_PARAMS[self.model], **self.params}

    def build(self) -> RegressorMixin:
        """A fresh, unfitted estimator."""
        return ESTIMATORS[self.model](**self.estimator_params)


@dataclass(frozen=True)
class Fit:
    """One refit: its day, the sample days and last label price it used, and the fitted estimator."""

    fit_date: pd.Timestamp
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    label_end: pd.Timestamp
    samples: int
    features: tuple[str, ...]
    params: dict
    model: str
    estimator: RegressorMixin = field(repr=False, compare=False)


def history_needed(spec: ModelSpec) -> int:
    """Trading days the panel must hold before the first prediction day for results independent of the load."""
    return first_complete_fit(spec) + spec.refit_every - 1


def training_rows(fit_index: int, spec: ModelSpec) -> slice:
    """Sample days for the fit at fit_index: the train_window days s with s + horizon + embargo <= fit_index.

    Bounds are clipped at 0; walk_forward skips fits before `first_complete_fit(spec)`, whose window is cut short.
    """
    stop = fit_index - spec.horizon - spec.embargo + 1
    return slice(max(stop - spec.train_window, 0), max(stop, 0))


def first_complete_fit(spec: ModelSpec) -> int:
    """The smallest fit index whose whole training window lies in the panel."""
    return spec.train_window + spec.horizon + spec.embargo - 1


def refit_blocks(days: pd.DatetimeIndex, refit_every: int) -> np.ndarray:
    """Each day's block number: weekdays since 2000-01-03 floor-divided by refit_every."""
    return np.busday_count(ANCHOR, days.values.astype("datetime64[D]")) // refit_every


def fit_dates(days: pd.DatetimeIndex, first_index: int, last_index: int, refit_every: int) -> np.ndarray:
    """Indices of the fit days serving days first_index..last_index, from the latest one <= first_index.

    A fit day is a day whose block differs from the previous loaded day's; day 0 never is (its predecessor is unknown).
    """
    blocks = refit_blocks(days, refit_every)
    starts = np.flatnonzero(blocks[1:] != blocks[:-1]) + 1
    starts = starts[starts <= last_index]
    before = starts[starts <= first_index]
    return starts[starts >= before[-1]] if len(before) else starts


def ranked_labels(features: np.ndarray, close: np.ndarray, horizon: int) -> np.ndarray:
    """Per day, forward returns of names with a finite return and a finite feature ranked into [-0.5, 0.5]."""
    returns = forward_returns(close, horizon)
    eligible = np.isfinite(returns) & np.isfinite(features).any(axis=2)
    ranks = row_ranks(np.where(eligible, returns, np.nan))
    names = eligible.sum(axis=1, keepdims=True).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(names > 1, (ranks - 1.0) / (names - 1.0) - 0.5, np.nan)


def design(x: np.ndarray, model: str) -> np.ndarray:
    """Estimator input: non-finite values become NaN for HGB (native missing) and 0 (the cross-sectional mean) else."""
    return np.where(np.isfinite(x), x, np.nan if model == "hist_gradient_boosting" else 0.0)


def sample_keys(days: pd.DatetimeIndex, tickers: Sequence[str]) -> np.ndarray:
    """A fixed pseudo-random number in [0, 1) per (day, ticker), from the date and the ticker's name only, so any
    loaded range and ticker set draws the same subsample (splitmix64 of the pair)."""
    day = np.busday_count(ANCHOR, days.values.astype("datetime64[D]")).astype(np.uint64)
    name = np.array([zlib.crc32(str(t).encode()) for t in tickers], dtype=np.uint64)
    z = day[:, None] * np.uint64(0x9E3779B97F4A7C15) + name[None, :]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))).astype(np.float64) / 2.0**64


def _samples(
    features: np.ndarray, labels: np.ndarray, keys: np.ndarray, rows: slice, spec: ModelSpec
) -> tuple[np.ndarray, np.ndarray]:
    """Training matrix and labels of the (day, ticker) samples in rows that carry a label, day-major; above
    max_train_samples, the samples whose key falls below max / labelled.

    A feature with no value in the window (a long-lookback factor early in the history) enters as a constant 0,
    which no model can split on or weight, instead of a column HistGradientBoosting cannot bin.
    """
    y = labels[rows].reshape(-1)
    keep = np.isfinite(y)
    if spec.max_train_samples and keep.sum() > spec.max_train_samples:
        keep &= keys[rows].reshape(-1) < spec.max_train_samples / keep.sum()
    x = features[rows].reshape(-1, features.shape[2])[keep]
    x[:, ~np.isfinite(x).any(axis=0)] = 0.0
    return design(x, spec.model), y[keep]


def _predict(estimator: RegressorMixin, features: np.ndarray, model: str) -> np.ndarray:
    """Predictions for a (days x tickers x features) block; NaN where a name has no finite feature."""
    x = features.reshape(-1, features.shape[2])
    has = np.isfinite(x).any(axis=1)
    out = np.full(len(x), np.nan)
    if has.any():
        out[has] = estimator.predict(design(x[has], model))
    return out.reshape(features.shape[:2])


def _check(features: np.ndarray, close: np.ndarray, days: pd.DatetimeIndex) -> None:
    """Raise on shapes that disagree or a calendar that is not strictly increasing."""
    if features.ndim != 3 or close.shape != features.shape[:2] or len(days) != len(close):
        raise ValueError("features must be days x tickers x n_features and close days x tickers over `days`")
    if not days.is_monotonic_increasing or not days.is_unique:
        raise ValueError("days must be strictly increasing")


def walk_forward(
    features: np.ndarray,
    close: np.ndarray,
    days: pd.DatetimeIndex,
    spec: ModelSpec,
    first: pd.Timestamp,
    last: pd.Timestamp,
    feature_names: Sequence[str] | None = None,
    tickers: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[Fit]]:
    """Predictions for days in [first, last] (NaN elsewhere) and the fits that made them.

    Day t is scored from its own features by the model fitted at the latest fit day f <= t; NaN when that fit's
    window starts before the panel, or fewer than min_train_sessions of its sessions carry a label (the panel starts
    before the features do: the window is cut short as surely), or it holds fewer than min_train_samples samples.
    `tickers` names the columns for the subsample draw (default their positions; pass names when the ticker set
    depends on the loaded range).
    """
    features, close = np.asarray(features, dtype=np.float64), np.asarray(close, dtype=np.float64)
    _check(features, close, days)
    names = tuple(feature_names) if feature_names is not None else tuple(f"f{k}" for k in range(features.shape[2]))
    first_index = int(days.searchsorted(pd.Timestamp(first), side="left"))
    last_index = int(days.searchsorted(pd.Timestamp(last), side="right")) - 1
    predictions = np.full(close.shape, np.nan)
    if first_index > last_index:
        return predictions, []
    labels = ranked_labels(features, close, spec.horizon)
    keys = sample_keys(days, tickers if tickers is not None else range(close.shape[1]))
    starts = fit_dates(days, first_index, last_index, spec.refit_every)
    ends = np.append(starts[1:], last_index + 1)
    fits = []
    for fit_index, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if fit_index < first_complete_fit(spec):
            continue
        rows = training_rows(fit_index, spec)
        used = np.flatnonzero(np.isfinite(labels[rows]).any(axis=1)) + rows.start
        if len(used) < spec.min_train_sessions:
            continue
        x, y = _samples(features, labels, keys, rows, spec)
        if len(y) < max(spec.min_train_samples, 1):
            continue
        estimator = spec.build().fit(x, y)
        served = slice(max(fit_index, first_index), end)
        predictions[served] = _predict(estimator, features[served], spec.model)
        fits.append(
            Fit(
                fit_date=days[fit_index],
                train_start=days[used[0]],
                train_end=days[used[-1]],
                label_end=days[used[-1] + spec.horizon],
                samples=len(y),
                features=names,
                params=spec.estimator_params,
                model=spec.model,
                estimator=estimator,
            )
        )
    return predictions, fits

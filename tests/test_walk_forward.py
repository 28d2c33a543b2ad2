"""Walk-forward signal models: purge and embargo, point in time, daily-update equivalence, learning, leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from threadpoolctl import threadpool_limits

from quant import walk_forward as wf
from quant.walk_forward import (
    ModelSpec,
    fit_dates,
    forward_returns,
    history_needed,
    training_rows,
    walk_forward,
)

MODELS = ["ridge", "hist_gradient_boosting"]
SMALL = {"horizon": 10, "embargo": 10, "train_window": 60, "refit_every": 10, "min_train_samples": 200}


@pytest.fixture(autouse=True)
def _one_thread():
    """Small fits run fastest on one thread, and do not stall when other processes hold the cores."""
    with threadpool_limits(limits=1):
        yield


def _calendar(n: int, start: str = "2016-01-04") -> pd.DatetimeIndex:
    """n weekdays from start with every 23rd one dropped as a holiday."""
    days = pd.bdate_range(start, periods=n + n // 20 + 1)
    return days[np.arange(len(days)) % 23 != 11][:n]


def _panel(n_days: int, n_names: int, seed: int = 0, beta: float = 0.002) -> tuple[np.ndarray, np.ndarray]:
    """Feature 0 (persistent) drives next-day returns with weight beta; four noise features; a few gaps."""
    rng = np.random.default_rng(seed)
    signal = np.empty((n_days, n_names))
    signal[0] = rng.normal(size=n_names)
    for t in range(1, n_days):
        signal[t] = 0.97 * signal[t - 1] + np.sqrt(1 - 0.97**2) * rng.normal(size=n_names)
    features = np.concatenate([signal[:, :, None], rng.normal(size=(n_days, n_names, 4))], axis=2)
    returns = 0.02 * rng.normal(size=(n_days, n_names))
    returns[1:] += beta * signal[:-1]
    close = 100.0 * np.exp(np.cumsum(returns, axis=0))
    features[rng.random(features.shape) < 0.03] = np.nan
    close[rng.random(close.shape) < 0.01] = np.nan
    return features, close


def _mean_rank_ic(predictions: np.ndarray, realized: np.ndarray) -> float:
    """Mean over days of the Spearman correlation between prediction and realized return."""
    ics = []
    for pred, real in zip(predictions, realized, strict=True):
        ok = np.isfinite(pred) & np.isfinite(real)
        if ok.sum() > 10:
            ics.append(spearmanr(pred[ok], real[ok]).statistic)
    assert len(ics) > 50
    return float(np.mean(ics))


def test_training_rows_purge_embargo_and_window():
    spec = ModelSpec(horizon=5, embargo=3, train_window=20)
    rows = training_rows(100, spec)
    assert (rows.start, rows.stop) == (73, 93)
    assert rows.stop - 1 + spec.horizon + spec.embargo == 100
    assert training_rows(10, spec) == slice(0, 3)
    assert ModelSpec(horizon=7).embargo == 7
    assert history_needed(ModelSpec()) == 504 + 21 + 21 + 21 - 2


def test_fit_days_are_block_starts_fixed_by_the_calendar():
    days = _calendar(300)
    full = fit_dates(days, 50, 299, 10)
    blocks = wf.refit_blocks(days, 10)
    assert np.all(blocks[full] != blocks[full - 1]) and np.all(np.diff(full) <= 10)
    for offset in (1, 7, 133):
        part = fit_dates(days[offset:], 150 - offset, 299 - offset, 10) + offset
        assert np.array_equal(part, full[full >= part[0]])


@pytest.mark.parametrize("model", MODELS)
def test_every_fit_ends_its_labels_an_embargo_before_the_fit_day(model):
    days = _calendar(160)
    features, close = _panel(160, 30, seed=1)
    params = {} if model == "ridge" else {"max_iter": 20}
    spec = ModelSpec(model, horizon=5, embargo=3, train_window=20, refit_every=5, min_train_samples=50, params=params)
    predictions, fits = walk_forward(features, close, days, spec, days[40], days[-1])
    assert len(fits) >= 20
    for fit in fits:
        fit_at, label_end = days.get_loc(fit.fit_date), days.get_loc(fit.label_end)
        assert label_end + spec.embargo <= fit_at
        assert days.get_loc(fit.train_end) + spec.horizon == label_end
        assert days.get_loc(fit.train_start) >= fit_at - spec.horizon - spec.embargo - spec.train_window + 1
        assert fit.samples <= spec.train_window * 30 and fit.model == model
    fit_at = np.array([days.get_loc(fit.fit_date) for fit in fits])
    assert np.all(np.isnan(predictions[:40])) and np.isfinite(predictions[fit_at[0] :]).mean() > 0.8


@pytest.mark.parametrize("model", MODELS)
def test_predictions_ignore_everything_after_the_cutoff(model):
    days = _calendar(200)
    features, close = _panel(200, 60, seed=2)
    spec = ModelSpec(model=model, **SMALL)
    cutoff = 150
    rng = np.random.default_rng(3)
    garbled_features, garbled_close = features.copy(), close.copy()
    garbled_features[cutoff + 1 :] = 1e6 * rng.normal(size=garbled_features[cutoff + 1 :].shape)
    garbled_close[cutoff + 1 :] *= rng.uniform(0.2, 5.0, size=garbled_close[cutoff + 1 :].shape)
    clean, clean_fits = walk_forward(features, close, days, spec, days[90], days[-1])
    again, _ = walk_forward(features, close, days, spec, days[90], days[-1])
    garbled, garbled_fits = walk_forward(garbled_features, garbled_close, days, spec, days[90], days[-1])
    assert np.array_equal(clean, again, equal_nan=True)
    assert np.isfinite(clean[90 : cutoff + 1]).mean() > 0.9
    assert np.array_equal(clean[: cutoff + 1], garbled[: cutoff + 1], equal_nan=True)
    assert not np.array_equal(clean[cutoff + 1 :], garbled[cutoff + 1 :], equal_nan=True)
    kept = [fit for fit in clean_fits if fit.fit_date <= days[cutoff]]
    assert kept and [fit.fit_date for fit in kept] == [fit.fit_date for fit in garbled_fits[: len(kept)]]


@pytest.mark.parametrize("model", MODELS)
def test_a_daily_update_with_history_needed_reproduces_the_full_run(model):
    days = _calendar(220)
    features, close = _panel(220, 40, seed=4)
    spec = ModelSpec(model=model, **SMALL)
    need = history_needed(spec)
    full, _ = walk_forward(features, close, days, spec, days[need], days[-1])
    starts = fit_dates(days, need, 219, spec.refit_every)
    worst = [t for t in range(need + 30, 220) if t - starts[np.searchsorted(starts, t, side="right") - 1] == 9]
    for t in range(worst[0] - spec.refit_every + 1, worst[0] + 1):
        window = slice(t - need, t + 1)
        daily, fits = walk_forward(features[window], close[window], days[window], spec, days[t], days[t])
        assert len(fits) == 1 and np.isfinite(daily[-1]).mean() > 0.9
        assert np.array_equal(daily[-1], full[t], equal_nan=True)
    short = slice(worst[0] - need + 1, worst[0] + 1)
    starved, _ = walk_forward(features[short], close[short], days[short], spec, days[worst[0]], days[worst[0]])
    assert np.all(np.isnan(starved))


@pytest.mark.parametrize("model", MODELS)
def test_models_learn_a_planted_signal_and_not_a_shuffled_one(model):
    n_days, n_names = 600, 150
    days = _calendar(n_days)
    features, close = _panel(n_days, n_names, seed=5)
    spec = ModelSpec(model=model, train_window=252, min_train_samples=5000)
    first = history_needed(spec)
    scored = slice(first, n_days - spec.horizon)
    predictions, fits = walk_forward(features, close, days, spec, days[first], days[n_days - spec.horizon - 1])
    assert len(fits) >= 12
    assert _mean_rank_ic(predictions[scored], forward_returns(close, spec.horizon)[scored]) > 0.2
    shuffled = close[:, np.random.default_rng(6).permutation(n_names)]
    control, _ = walk_forward(features, shuffled, days, spec, days[first], days[n_days - spec.horizon - 1])
    assert abs(_mean_rank_ic(control[scored], forward_returns(shuffled, spec.horizon)[scored])) < 0.1


def _memorization_ic(monkeypatch: pytest.MonkeyPatch | None = None) -> float:
    """Rank IC of ridge on one-hot ticker features over i.i.d. returns, refit daily on a 10-day window."""
    n_days, n_names = 200, 60
    days = _calendar(n_days)
    rng = np.random.default_rng(7)
    close = 100.0 * np.exp(np.cumsum(0.02 * rng.normal(size=(n_days, n_names)), axis=0))
    features = np.broadcast_to(np.eye(n_names), (n_days, n_names, n_names))
    spec = ModelSpec(horizon=21, embargo=0, train_window=10, refit_every=1, min_train_samples=100)
    if monkeypatch is not None:
        monkeypatch.setattr(wf, "training_rows", lambda f, s: slice(f - s.train_window + 1, f + 1))
    scored = slice(60, n_days - spec.horizon)
    predictions, _ = walk_forward(features, close, days, spec, days[scored.start], days[scored.stop - 1])
    return _mean_rank_ic(predictions[scored], forward_returns(close, spec.horizon)[scored])


def test_purging_stops_a_model_memorizing_labels_that_overlap_the_prediction_window(monkeypatch):
    """Ticker identity features can only predict i.i.d. returns through labels overlapping the forward window.

    (A feature that itself looks ahead cannot be caught here: past samples teach the model the same true mapping.)
    """
    assert abs(_memorization_ic()) < 0.15
    assert _memorization_ic(monkeypatch) > 0.5


@pytest.mark.parametrize("model", MODELS)
def test_a_feature_without_history_in_the_window_is_ignored_not_fatal(model):
    n_days, n_names = 200, 60
    days = _calendar(n_days)
    features, close = _panel(n_days, n_names, seed=3)
    spec = ModelSpec(model=model, **SMALL)
    late = features.copy()
    late[:150, :, 1] = np.nan  # a factor whose lookback ends inside the history: no values in early windows
    predictions, fits = walk_forward(late, close, days, spec, days[100], days[-1])
    assert len(fits) >= 5 and np.isfinite(predictions[100:]).any(axis=1).all()
    without, _ = walk_forward(np.delete(late, 1, axis=2), close, days, spec, days[100], days[140])
    assert np.allclose(predictions[100:141], without[100:141], equal_nan=True, atol=1e-9)


@pytest.mark.parametrize("model", MODELS)
def test_subsampled_fits_draw_the_same_samples_whatever_the_ticker_axis(model):
    n_days, n_names = 200, 60
    days = _calendar(n_days)
    features, close = _panel(n_days, n_names, seed=8)
    names = [f"N{i:02d}" for i in range(n_names)]
    spec = ModelSpec(model=model, **{**SMALL, "max_train_samples": 1200})
    predictions, fits = walk_forward(features, close, days, spec, days[120], days[-1], tickers=names)
    assert all(900 < fit.samples < 1500 for fit in fits)  # about 1,200 of the ~3,500 labelled samples
    order = np.random.default_rng(1).permutation(n_names)
    extra = np.full((n_days, 1), np.nan)  # a name with no data, as a longer load would bring
    shuffled, _ = walk_forward(
        np.concatenate([features[:, order], extra[:, :, None].repeat(features.shape[2], axis=2)], axis=1),
        np.concatenate([close[:, order], extra], axis=1),
        days,
        spec,
        days[120],
        days[-1],
        tickers=[*np.array(names)[order], "EMPTY"],
    )
    assert np.allclose(shuffled[:, :n_names], predictions[:, order], equal_nan=True, atol=1e-9)
    unsampled, _ = walk_forward(features, close, days, ModelSpec(model=model, **SMALL), days[120], days[-1])
    assert not np.allclose(unsampled[120:], predictions[120:], equal_nan=True)


@pytest.mark.parametrize("model", MODELS)
def test_no_fit_trains_on_a_window_the_features_cut_short(model):
    """Issue 10: a panel loaded from before the features exist gave first fits 18 labelled sessions of 504. A fit
    now needs min_train_sessions (default: the whole window) sessions that carry a label."""
    n_days, n_names, late = 260, 40, 120
    days = _calendar(n_days)
    features, close = _panel(n_days, n_names, seed=9)
    features[:late] = np.nan  # no factor has a value before day `late`: no labels either
    spec = ModelSpec(model=model, horizon=5, embargo=3, train_window=40, refit_every=5, min_train_samples=50)
    predictions, fits = walk_forward(features, close, days, spec, days[60], days[-1])
    assert fits, "a full window of labelled sessions exists from day late + 40 + 5 + 3 - 1 on"
    for fit in fits:
        assert days.get_loc(fit.train_start) >= late
        assert days.get_loc(fit.train_end) - days.get_loc(fit.train_start) + 1 >= spec.train_window
    first_served = days.get_loc(fits[0].fit_date)
    assert first_served >= late + spec.train_window + spec.horizon + spec.embargo - 1
    assert np.all(np.isnan(predictions[:first_served]))
    relaxed = ModelSpec(**{**spec.__dict__, "min_train_sessions": 10})
    _, early = walk_forward(features, close, days, relaxed, days[60], days[-1])
    assert days.get_loc(early[0].fit_date) < first_served  # the setting is what holds them back
    with pytest.raises(ValueError):
        ModelSpec(train_window=20, min_train_sessions=21)

"""Factor evaluation math against alphalens-reloaded, the reference implementation, to 1e-9: without its outlier
filter (filter_zscore=None, our stored figures) and with its defaults (filter_zscore=20, demeaned pooled quantile
returns), on a panel where that filter fires, and with filter_zscore=2, where it fires often."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from quant import evaluation as em
from quant.panel import row_quantiles

alphalens_utils = pytest.importorskip("alphalens.utils")
alphalens_performance = pytest.importorskip("alphalens.performance")

TOLERANCE = 1e-9
COLUMNS = {1: "1D", 5: "5D", 21: "21D"}  # alphalens names forward-return columns by calendar span
TIED_DAY = 30  # a day where half the names share one factor value, so qcut's edges repeat and alphalens drops it
JUMP_DAY, JUMP_NAME = 199, 5  # a 50x close from the next day on: a 1-day return beyond 20 deviations on 450 days


def make_panel(seed: int = 11, n_days: int = 120, n_names: int = 40) -> dict:
    """Seeded random-walk closes with a halt and a late listing; a tied, gappy factor that predicts 1-day returns."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2023-01-02", periods=n_days)
    tickers = pd.Index([f"T{i:02d}" for i in range(n_names)])
    close = 40.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (n_days, n_names)), axis=0))
    close[50:53, 3] = np.nan  # a trading halt: alphalens forward-fills prices across it
    close[:15, 7] = np.nan  # listed late: no forward returns before the first price
    ahead = em.forward_returns(em.forward_fill(close), 1)
    factor = np.round(0.4 * np.nan_to_num(ahead) / 0.02 + rng.normal(size=close.shape), 1)  # rounding makes ties
    factor[rng.random(close.shape) < 0.04] = np.nan
    factor[TIED_DAY, : n_names // 2] = 0.5
    return {"days": days, "tickers": tickers, "close": close, "factor": factor}


def make_jump_panel() -> dict:
    """make_panel over 450 days, one name's close 50x from JUMP_DAY + 1 on (an unadjusted reverse split, say)."""
    panel = make_panel(seed=12, n_days=450)
    panel["close"][JUMP_DAY + 1 :, JUMP_NAME] *= 50.0
    panel["factor"][JUMP_DAY, JUMP_NAME] = 1.0
    return panel


def alphalens_frame(panel: dict, filter_zscore: float | None = None) -> pd.DataFrame:
    """alphalens' clean factor frame with the given outlier filter (alphalens' default: 20; a look-ahead)."""
    factor = pd.DataFrame(panel["factor"], index=panel["days"], columns=panel["tickers"]).stack()
    prices = pd.DataFrame(panel["close"], index=panel["days"], columns=panel["tickers"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3.1 deprecation noise from inside alphalens
        return alphalens_utils.get_clean_factor_and_forward_returns(
            factor.rename_axis(["date", "asset"]),
            prices,
            quantiles=em.QUANTILES,
            periods=em.HORIZONS,
            filter_zscore=filter_zscore,
            max_loss=1.0,
        )


def per_day(values: np.ndarray, days: pd.DatetimeIndex) -> pd.Series:
    return pd.Series(values, index=days)


def max_abs_diff(ours: pd.Series, reference: pd.Series) -> float:
    """Max |ours - reference| over the union of their indexes; inf unless both have values at exactly the same cells."""
    ours, reference = ours.align(reference, join="outer")
    if not (ours.isna() == reference.isna()).all() or ours.notna().sum() == 0:
        return float("inf")
    both = ours.notna()
    return float(np.max(np.abs(ours[both].to_numpy() - reference[both].to_numpy()), initial=0.0))


def long_panel(matrix: np.ndarray, days: pd.DatetimeIndex, tickers: pd.Index, keep: np.ndarray) -> pd.Series:
    """(date, asset) series of a matrix's cells where keep is true."""
    frame = pd.DataFrame(np.where(keep, matrix, np.nan), index=days, columns=tickers).stack().dropna()
    return frame.rename_axis(["date", "asset"])


def compute_max_abs_diffs(panel: dict, frame: pd.DataFrame, filter_zscore: float | None = None) -> dict[str, float]:
    """Max abs difference between our numbers and alphalens' (or scipy's on alphalens' frame), per metric, both
    with the same outlier filter."""
    days, tickers, factor, close = panel["days"], panel["tickers"], panel["factor"], panel["close"]
    labels, clean, forwards = em.evaluation_sample(factor, close, filter_zscore=filter_zscore)
    inside = labels > 0
    daily, summary = em.evaluate(factor, close, days, filter_zscore=filter_zscore)
    every_day = em.daily_metrics(factor, close, days, filter_zscore=filter_zscore)
    summary = summary.set_index("horizon")
    dates = frame.index.get_level_values("date")
    diffs = {"quantile_label": max_abs_diff(long_panel(labels, days, tickers, inside), frame["factor_quantile"])}
    ic = alphalens_performance.factor_information_coefficient(frame)
    raw, _ = alphalens_performance.mean_return_by_quantile(frame, by_date=True, demeaned=False)
    demeaned, _ = alphalens_performance.mean_return_by_quantile(frame, by_date=True, demeaned=True)
    overall, _ = alphalens_performance.mean_return_by_quantile(frame, by_date=False, demeaned=False)
    pooled, _ = alphalens_performance.mean_return_by_quantile(frame)  # its defaults: by_date=False, demeaned=True
    for h, column in COLUMNS.items():
        ours = daily[daily["horizon"] == h].set_index("date")
        pearson = frame.groupby(dates).apply(lambda g, c=column: stats.pearsonr(g["factor"], g[c])[0])
        spread = raw[column].xs(em.QUANTILES, level="factor_quantile") - raw[column].xs(1, level="factor_quantile")
        diffs[f"forward_return_{column}"] = max_abs_diff(long_panel(forwards[h], days, tickers, inside), frame[column])
        diffs[f"spearman_ic_{column}"] = max_abs_diff(ours["spearman_ic"], ic[column].dropna())
        diffs[f"pearson_ic_{column}"] = max_abs_diff(ours["pearson_ic"], pearson)
        diffs[f"top_minus_bottom_{column}"] = max_abs_diff(ours["top_minus_bottom"], spread)
        for name, reference, flag in (("raw", raw, False), ("demeaned", demeaned, True)):
            means = em.quantile_mean_returns(labels, forwards[h], em.QUANTILES, demeaned=flag)
            diffs[f"quantile_{name}_return_{column}"] = max(
                max_abs_diff(per_day(means[:, q - 1], days).dropna(), reference[column].xs(q, level="factor_quantile"))
                for q in range(1, em.QUANTILES + 1)
            )
        stored = every_day[every_day["horizon"] == h].set_index("date")
        diffs[f"daily_q_return_demeaned_{column}"] = max(
            max_abs_diff(stored[f"q{q}_return_demeaned"], demeaned[column].xs(q, level="factor_quantile"))
            for q in range(1, em.QUANTILES + 1)
        )
        row = summary.loc[h]
        reference_summary = {
            "mean_spearman_ic": ic[column].mean(),
            "spearman_ic_std": ic[column].std(),
            "ic_ir": ic[column].mean() / ic[column].std(),
            "mean_pearson_ic": pearson.mean(),
            "top_minus_bottom": spread.mean(),
        } | {f"q{q}_return": overall.loc[q, column] for q in range(1, em.QUANTILES + 1)}
        reference_summary |= {f"q{q}_return_demeaned": pooled.loc[q, column] for q in range(1, em.QUANTILES + 1)}
        diffs[f"summary_{column}"] = max(abs(row[key] - value) for key, value in reference_summary.items())
        diffs[f"summary_days_{column}"] = abs(row["days"] - ic[column].notna().sum())
    autocorrelation = alphalens_performance.factor_rank_autocorrelation(frame, period=1)
    diffs["rank_autocorrelation"] = max_abs_diff(
        per_day(em.rank_autocorrelation(clean), days).dropna(), autocorrelation.dropna()
    )
    diffs["summary_rank_autocorrelation"] = abs(summary["rank_autocorrelation"].iloc[0] - autocorrelation.mean())
    for name, q in (("top", em.QUANTILES), ("bottom", 1)):
        reference = alphalens_performance.quantile_turnover(frame["factor_quantile"], q, period=1)
        diffs[f"{name}_turnover"] = max_abs_diff(
            per_day(em.quantile_turnover(labels, q), days).dropna(), reference.dropna()
        )
        diffs[f"summary_{name}_turnover"] = abs(summary[f"{name}_turnover"].iloc[0] - reference.mean())
    return diffs


@pytest.fixture(scope="module")
def panel() -> dict:
    return make_panel()


@pytest.fixture(scope="module")
def reference_frame(panel: dict) -> pd.DataFrame:
    return alphalens_frame(panel)


@pytest.fixture(scope="module")
def jump_panel() -> dict:
    return make_jump_panel()


def test_sample_matches_alphalens(panel: dict, reference_frame: pd.DataFrame) -> None:
    labels, _, _ = em.evaluation_sample(panel["factor"], panel["close"])
    ours = long_panel(labels, panel["days"], panel["tickers"], labels > 0)
    assert ours.index.equals(reference_frame.index)
    tied = panel["days"][TIED_DAY]
    assert not (labels[TIED_DAY] > 0).any()
    assert tied not in reference_frame.index.get_level_values("date")
    daily, summary = em.evaluate(panel["factor"], panel["close"], panel["days"])
    assert tied not in set(daily["date"])
    assert (summary["end_date"] == panel["days"][-1 - max(em.HORIZONS)]).all()


def report(diffs: dict[str, float], settings: str) -> dict[str, float]:
    """Print the differences; return those not within TOLERANCE."""
    print(f"\nmax abs difference vs alphalens-reloaded, {settings} (pearson IC vs scipy on alphalens' frame):")
    for name, value in diffs.items():
        print(f"  {name:<38} {value:.3e}")
    return {name: value for name, value in diffs.items() if not value < TOLERANCE}


def test_agrees_with_alphalens(panel: dict, reference_frame: pd.DataFrame) -> None:
    assert report(compute_max_abs_diffs(panel, reference_frame), "filter_zscore=None") == {}


def test_agrees_with_alphalens_defaults_where_its_filter_fires(jump_panel: dict) -> None:
    """alphalens' defaults (filter_zscore=20, demeaned pooled quantile returns): its filter drops the jump's
    1-day return, and with it that (day, name) at every horizon; every figure still matches."""
    frame = alphalens_frame(jump_panel, filter_zscore=em.FILTER_ZSCORE)
    unfiltered = alphalens_frame(jump_panel)
    jump = (jump_panel["days"][JUMP_DAY], jump_panel["tickers"][JUMP_NAME])
    assert jump in unfiltered.index and jump not in frame.index and len(unfiltered) == len(frame) + 1
    assert report(compute_max_abs_diffs(jump_panel, frame, em.FILTER_ZSCORE), "defaults (filter_zscore=20)") == {}
    _, plain = em.evaluate(jump_panel["factor"], jump_panel["close"], jump_panel["days"])
    _, filtered = em.evaluate(jump_panel["factor"], jump_panel["close"], jump_panel["days"], filter_zscore=20)
    moved = (filtered["q5_return_demeaned"] - plain["q5_return_demeaned"]).abs()
    assert moved.iloc[0] > 1e-3  # the 49.0 return pulled the 1-day top quintile up; filtered, it does not
    assert (filtered["q1_return_demeaned"] - filtered["q1_return"]).abs().min() > 1e-5  # demeaned is not raw


def test_agrees_with_alphalens_at_filter_zscore_2(panel: dict, reference_frame: pd.DataFrame) -> None:
    """A tight filter that drops about one (day, name) in ten: the sample and every figure still match."""
    frame = alphalens_frame(panel, filter_zscore=2)
    assert len(reference_frame) - len(frame) > 200
    assert report(compute_max_abs_diffs(panel, frame, 2), "filter_zscore=2") == {}


def test_perfect_and_inverted_factor(panel: dict) -> None:
    close, days = panel["close"], panel["days"]
    ahead = em.forward_returns(em.forward_fill(close), 1)
    daily, _ = em.evaluate(ahead, close, days)
    assert np.allclose(daily.loc[daily["horizon"] == 1, "spearman_ic"], 1.0, atol=1e-12)
    noise = np.random.default_rng(3).normal(0.0, 0.01, close.shape)
    _, summary = em.evaluate(-ahead + noise, close, days)
    first = summary.set_index("horizon").loc[1]
    assert first["mean_spearman_ic"] < 0 and first["mean_pearson_ic"] < 0
    assert first["q1_return"] > first["q5_return"] and first["top_minus_bottom"] < 0


def test_quantile_labels_match_qcut_with_ties() -> None:
    rng = np.random.default_rng(5)
    values = np.vstack([rng.integers(0, 25, (30, 40)), rng.integers(0, 3, (10, 40))]).astype(float)
    values[rng.random(values.shape) < 0.1] = np.nan
    values[0, :] = np.nan
    values[1, :2] = [1.0, 2.0]
    values[1, 2:] = np.nan
    labels = em.quantile_labels(values)
    failed = 0
    for row, expected in zip(values, labels, strict=True):
        finite = row[np.isfinite(row)]
        try:
            reference = pd.qcut(finite, em.QUANTILES, labels=False) + 1
        except ValueError:  # duplicate edges: alphalens leaves the whole day out
            reference, failed = np.zeros(len(finite), dtype=int), failed + 1
        assert (expected[np.isfinite(row)] == reference).all()
        assert (expected[~np.isfinite(row)] == 0).all()
    assert 0 < failed < len(values) - 1


def test_correlations_need_three_names() -> None:
    factor = np.array([[1.0, 2.0, np.nan, np.nan], [1.0, 2.0, 3.0, np.nan]])
    forward = np.array([[0.1, 0.2, 0.3, 0.4], [0.3, 0.1, 0.2, np.nan]])
    ic = em.daily_ic(factor, forward, "spearman")
    assert np.isnan(ic[0]) and ic[1] == pytest.approx(stats.spearmanr([1, 2, 3], [0.3, 0.1, 0.2])[0], abs=1e-12)
    with pytest.raises(ValueError):
        em.daily_ic(factor, forward, "kendall")


def test_row_quantiles_equal_numpy_to_the_bit() -> None:
    """The vectorized edges replace np.nanquantile's per-row loop; qcut labels hinge on exact edge equality."""
    rng = np.random.default_rng(8)
    probs = em._qcut_probabilities(em.QUANTILES)
    for decimals in (0, 1, 2, 6):
        values = np.round(rng.normal(size=(400, 97)), decimals)
        values[rng.random(values.shape) < 0.3] = np.nan
        values[0, 0], values[0, 1:] = 1.5, np.nan  # one name
        values[1, :] = 4.0  # all tied
        reference = np.nanquantile(values, probs, axis=1).T
        assert np.array_equal(row_quantiles(values, probs), reference, equal_nan=True)
        winsor = np.array([0.01, 0.99])  # the factors' winsorizing edges
        assert np.array_equal(row_quantiles(values, winsor), np.nanquantile(values, winsor, axis=1).T, equal_nan=True)

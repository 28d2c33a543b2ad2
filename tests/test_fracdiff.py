"""Fractional differentiation against direct computations, and the frac_diff asset on a real warehouse."""

import numpy as np
import pandas as pd
import pytest
from dagster import DagsterInstance, materialize

from partitions.definitions import add_tickers
from quant.adf import adf_tstats, critical_tstat
from quant.fracdiff import (
    D_CANDIDATES,
    convolved,
    extend,
    fracdiff,
    fracdiff_weights,
    minimum_d,
    observations,
    searched_d,
)
from resources.settings import pipeline_settings
from storage.models import FracDiffModel
from stratengine_assets.common.partition_range import TRIGGER_TAG
from stratengine_assets.common.ticker_range import ticker_range_tags
from stratengine_assets.research.frac_diff import frac_diff
from tests.helpers import count, price_bars, random_walk, with_settings

TICKERS = ["AAA", "BBB", "CCC"]
RANGE = ticker_range_tags("AAA", "CCC")


def recurrence_weights(d: float, threshold: float) -> list[float]:
    weights, k = [1.0], 1
    while True:
        nxt = -weights[-1] * (d - k + 1) / k
        if abs(nxt) < threshold:
            return weights
        weights.append(nxt)
        k += 1


def reference_fracdiff(x: np.ndarray, d: float, threshold: float) -> np.ndarray:
    w = np.array(recurrence_weights(d, threshold))
    out = np.full(len(x), np.nan)
    for t in range(len(w) - 1, len(x)):
        out[t] = np.dot(w, x[t - len(w) + 1 : t + 1][::-1])
    return out


def adf_pvalue(values: np.ndarray) -> float:
    from statsmodels.tsa.stattools import adfuller

    values = values[np.isfinite(values)]
    return adfuller(values, maxlag=1, regression="c", autolag=None, result_object=True).pvalue


def log_walk(n: int, seed: int) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).normal(0.0003, 0.015, n)) + np.log(50.0)


@pytest.mark.parametrize(("d", "threshold"), [(0.4, 1e-3), (0.75, 1e-4), (0.05, 1e-5)])
def test_weights_follow_the_recurrence_and_stop_below_the_threshold(d, threshold):
    w = fracdiff_weights(d, threshold)
    assert w[0] == 1.0
    assert np.allclose(w[1:], -w[:-1] * (d - np.arange(1, len(w)) + 1) / np.arange(1, len(w)), rtol=1e-13, atol=0)
    assert np.all(np.abs(w) >= threshold)
    assert abs(-w[-1] * (d - len(w) + 1) / len(w)) < threshold
    assert np.allclose(w, recurrence_weights(d, threshold), rtol=1e-12, atol=0)


def test_weights_known_values_integer_d_and_width_cap():
    assert np.allclose(fracdiff_weights(0.5, 0.05), [1.0, -0.5, -0.125, -0.0625])
    assert fracdiff_weights(0.0).tolist() == [1.0]
    assert fracdiff_weights(1.0).tolist() == [1.0, -1.0]
    assert len(fracdiff_weights(0.4, 1e-12, max_width=50)) == 50


def test_d_zero_is_the_series_and_d_one_the_first_difference():
    x = log_walk(300, seed=1)
    assert np.array_equal(fracdiff(x, 0.0), x)
    first = fracdiff(x, 1.0)
    assert np.isnan(first[0])
    assert np.allclose(first[1:], np.diff(x), rtol=0, atol=1e-12)


def test_matrix_equals_column_by_column():
    matrix = np.column_stack([log_walk(800, seed=s) for s in range(4)])
    matrix[:100, 2] = np.nan
    together = fracdiff(matrix, 0.35, 1e-4)
    for j in range(matrix.shape[1]):
        assert np.allclose(together[:, j], fracdiff(matrix[:, j], 0.35, 1e-4), rtol=0, atol=1e-12, equal_nan=True)


def test_nan_blanks_the_warmup_and_every_window_holding_it():
    x = log_walk(600, seed=2)
    x[400] = np.nan
    width = len(fracdiff_weights(0.5, 1e-4))
    out = fracdiff(x, 0.5, 1e-4)
    blank = np.zeros(len(x), dtype=bool)
    blank[: width - 1] = True
    blank[400 : 400 + width] = True
    assert np.array_equal(np.isnan(out), blank)
    assert np.isnan(fracdiff(x[: width - 1], 0.5, 1e-4)).all()


@pytest.mark.parametrize("d", [0.15, 0.45, 0.8])
def test_agrees_with_a_direct_dot_product_per_point(d):
    x = np.random.default_rng(3).normal(size=1500).cumsum()
    assert np.allclose(fracdiff(x, d, 1e-4), reference_fracdiff(x, d, 1e-4), rtol=0, atol=1e-12, equal_nan=True)


def test_minimum_d_is_the_first_candidate_passing_adf():
    pytest.importorskip("statsmodels")
    x = log_walk(2000, seed=0)
    d = minimum_d(x)
    assert d is not None and d > 0
    assert adf_pvalue(fracdiff(x, d)) < 0.05
    previous = D_CANDIDATES[list(D_CANDIDATES).index(d) - 1]
    assert adf_pvalue(fracdiff(x, previous)) >= 0.05
    assert minimum_d(x[:100]) is None


def test_batched_adf_statistics_are_adfullers():
    stattools = pytest.importorskip("statsmodels.tsa.stattools")
    rng = np.random.default_rng(5)
    walks = np.cumsum(rng.normal(0, 0.02, (700, 40)), axis=0) + 3.0
    walks[:, :15] = rng.normal(0, 0.02, (700, 15))  # stationary: these pass
    for column, end in enumerate(rng.integers(30, 700, 40)):
        walks[end:, column] = np.nan
    walks[100, 3] = np.nan  # a hole: the finite values are joined around it, as minimum_d passes them
    walks[:, 39] = 1.5  # constant: no statistic
    found = adf_tstats(walks)
    expected = [
        stattools.adfuller(c[np.isfinite(c)], maxlag=1, regression="c", autolag=None, result_object=True)
        for c in walks.T[:39]
    ]
    assert np.allclose(found[:39], [r.statistic for r in expected], rtol=1e-9, atol=1e-9) and np.isnan(found[39])
    assert [t < critical_tstat(0.05) for t in found[:39]] == [r.pvalue < 0.05 for r in expected]
    assert 0 < sum(r.pvalue < 0.05 for r in expected) < 39


@pytest.mark.parametrize("d", [0.0, 0.35, 0.9])
def test_convolved_is_fracdiff_to_rounding(d):
    x = np.cumsum(np.random.default_rng(2).normal(size=(900, 6)), axis=0)
    x[400, 2] = np.nan
    x[850:, 4] = np.nan
    assert np.allclose(convolved(x, d), fracdiff(x, d), rtol=0, atol=1e-10, equal_nan=True)


def test_the_batched_search_picks_minimum_d_for_every_ticker():
    pytest.importorskip("statsmodels")
    rows = pd.concat(
        [
            pd.DataFrame({"ticker": f"T{k}", "date": np.arange(n), "close": np.exp(log_walk(n, seed=k))})
            for k, n in enumerate([2000, 1500, 900, 600, 300, 120, 2000, 1200])
        ]
    )
    rows.loc[rows.index[50], "close"] = -1.0  # a bad close inside T0's history: a hole in its series
    panel = rows.pivot(index="date", columns="ticker", values="close")
    matrix, _, lengths = observations(panel.to_numpy())
    chosen, skipped, searched = searched_d(panel.columns, matrix, lengths, 1e-4)
    expected = [minimum_d(matrix[:n, i]) for i, n in enumerate(lengths)]
    assert np.array_equal(chosen, np.array([np.nan if d is None else d for d in expected]), equal_nan=True)
    assert searched == 7 and "T5" in skipped and np.isfinite(chosen).sum() >= 4


def fixed_d() -> float | None:
    return pipeline_settings(resolved=True).fixed_fracdiff_d()


def test_configured_d_reads_the_environment(monkeypatch):
    monkeypatch.delenv("STRATENGINE_FRACDIFF_D", raising=False)
    assert fixed_d() is None
    monkeypatch.setenv("STRATENGINE_FRACDIFF_D", "0.4")
    assert fixed_d() == 0.4
    monkeypatch.setenv("STRATENGINE_FRACDIFF_D", "1.5")
    with pytest.raises(ValueError, match="STRATENGINE_FRACDIFF_D"):
        fixed_d()


def write_prices(warehouse) -> dict[str, pd.Series]:
    """AAA and BBB with about three years of closes, CCC with sixty days; returns the closes."""
    closes = {
        "AAA": random_walk("2015-01-02", "2017-12-29", seed=11),
        "BBB": random_walk("2015-06-01", "2017-12-29", seed=12),
        "CCC": random_walk("2017-10-02", "2017-12-29", seed=13),
    }
    frames = [price_bars(ticker, c) for ticker, c in closes.items()]
    with warehouse.session() as store:
        store.append("prices", pd.concat(frames))
    return closes


def stored(warehouse) -> pd.DataFrame:
    with warehouse.get_connection() as conn:
        return conn.execute("SELECT * FROM frac_diff ORDER BY ticker, date").df()


@pytest.mark.parametrize("setting", ["auto", "0.4"])
def test_asset_writes_the_directly_computed_series(project, monkeypatch, setting):
    if setting == "auto":
        pytest.importorskip("statsmodels")
    monkeypatch.setenv("STRATENGINE_FRACDIFF_D", setting)
    closes = write_prices(project["warehouse"])
    instance = DagsterInstance.ephemeral()
    add_tickers(instance, TICKERS)
    result = materialize([frac_diff], instance=instance, resources=with_settings(project), tags=RANGE)
    assert result.success
    rows = stored(project["warehouse"])
    FracDiffModel.validate(rows, lazy=True)
    assert set(rows["ticker"]) == {"AAA", "BBB"}
    for ticker in ("AAA", "BBB"):
        log_close = np.log(closes[ticker].to_numpy())
        searched = closes[ticker].index < pd.Timestamp("2017-12-01")  # d: the history before the latest month
        d = minimum_d(log_close[searched]) if setting == "auto" else 0.4
        expected = fracdiff(log_close, d)
        keep = np.isfinite(expected)
        got = rows[rows["ticker"] == ticker]
        assert got["d"].unique().tolist() == [d]
        assert got["width"].unique().tolist() == [len(fracdiff_weights(d))]
        assert list(got["date"]) == list(closes[ticker].index[keep])
        assert np.allclose(got["value"], expected[keep], rtol=0, atol=1e-12)
    metadata = result.asset_materializations_for_node("frac_diff")[0].metadata
    assert metadata["rows"].value == len(rows)
    assert list(metadata["skipped"].value) == ["CCC"]
    assert 0 < metadata["AAA/memory_corr"].value <= 1
    assert all(check.passed for check in result.get_asset_check_evaluations())


def test_rerun_replaces_rather_than_duplicates(project, monkeypatch):
    monkeypatch.setenv("STRATENGINE_FRACDIFF_D", "0.4")
    project = with_settings(project)
    warehouse = project["warehouse"]
    write_prices(warehouse)
    instance = DagsterInstance.ephemeral()
    add_tickers(instance, TICKERS)
    assert materialize([frac_diff], instance=instance, resources=project, tags=RANGE).success
    first = stored(warehouse)
    stale = pd.DataFrame(
        {"ticker": ["AAA", "CCC"], "date": pd.Timestamp("2001-01-02"), "d": 0.4, "width": 1, "value": 0.0}
    )
    with warehouse.session() as store:
        store.append("frac_diff", stale)
    assert materialize([frac_diff], instance=instance, resources=project, tags=ticker_range_tags("AAA", "AAA")).success
    assert len(stored(warehouse)) == len(first) + 1
    assert materialize([frac_diff], instance=instance, resources=project, tags=RANGE).success
    pd.testing.assert_frame_equal(stored(warehouse), first)
    duplicates = "SELECT count(*) FROM (SELECT ticker, date FROM frac_diff GROUP BY ALL HAVING count(*) > 1)"
    assert count(warehouse, duplicates) == 0


def test_a_ticker_without_prices_is_skipped_not_failed(project):
    instance = DagsterInstance.ephemeral()
    add_tickers(instance, ["DDD"])
    result = materialize([frac_diff], instance=instance, resources=project, tags=ticker_range_tags("DDD", "DDD"))
    metadata = result.asset_materializations_for_node("frac_diff")[0].metadata
    assert metadata["rows"].value == 0
    assert metadata["skipped"].value == {"DDD": "no prices"}


def test_a_group_partition_builds_its_tickers_and_a_planner_run_only_the_unbuilt(project, monkeypatch):
    """Partitions are ticker groups (first character); the work is tickers: a run launched by hand builds every known
    ticker of its groups, a planner run (its trigger tag) only those stale or never built."""
    monkeypatch.setenv("STRATENGINE_FRACDIFF_D", "0.4")
    project = with_settings(project)
    write_prices(project["warehouse"])
    instance = DagsterInstance.ephemeral()
    add_tickers(instance, [*TICKERS, "ABC"])
    by_hand = {"dagster/asset_partition_range_start": "A", "dagster/asset_partition_range_end": "A"}
    result = materialize([frac_diff], instance=instance, resources=project, tags=by_hand)
    built = result.asset_materializations_for_node("frac_diff")[0].metadata["tickers_built"].value
    assert built == "AAA, ABC" and instance.get_materialized_partitions(frac_diff.key) == {"A"}
    planned = {"dagster/asset_partition_range_start": "A", "dagster/asset_partition_range_end": "C", TRIGGER_TAG: "t"}
    result = materialize([frac_diff], instance=instance, resources=project, tags=planned)
    built = result.asset_materializations_for_node("frac_diff")[0].metadata["tickers_built"].value
    assert built == "BBB, CCC"  # AAA and ABC are built and not stale
    assert materialize([frac_diff], instance=instance, resources=project, tags=planned).success
    with project["warehouse"].session() as store:
        assert store.count("built_partitions") == 4


def test_extend_computes_only_the_asked_cells_and_they_are_fracdiff():
    x = np.cumsum(np.random.default_rng(5).normal(size=(700, 4)), axis=0)
    x[650, 1] = np.nan  # a hole: the windows over it give no value
    x[690:, 3] = np.nan  # a series that ended
    full = fracdiff(x, 0.3)
    start, stop = np.array([695, 600, 10, 650]), np.array([700, 700, 12, 690])
    got = extend(x, start, stop, 0.3, 1e-4)
    asked = (np.arange(700)[:, None] >= start) & (np.arange(700)[:, None] < stop)
    assert np.isnan(got[~asked]).all()
    assert np.allclose(got[asked], full[asked], rtol=0, atol=1e-12, equal_nan=True)
    assert np.isfinite(got[asked]).sum() == np.isfinite(full[asked]).sum() > 0

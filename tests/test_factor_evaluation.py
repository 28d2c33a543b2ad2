"""The factor_evaluation asset on a real warehouse: stored daily rows and summary equal the evaluation math."""

import numpy as np
import pandas as pd
import pytest

from quant.calendar import trading_days
from quant.evaluation import daily_metrics, evaluate
from stratengine_assets.research.factor_evaluation import EVALUATION_LAG, evaluated_days, factor_evaluation
from tests.helpers import range_context

FIRST, LAST = "2016-01-04", "2016-07-29"
NAMES = [f"T{i:02d}" for i in range(30)]


@pytest.fixture
def warehouse(project):
    """Closes for 30 names, a factor that knows the next day's move up to noise, and a signal opposite to it."""
    days = trading_days(FIRST, LAST)
    rng = np.random.default_rng(4)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.015, (len(days), len(NAMES))), axis=0))
    close[40:45, 3] = np.nan  # a halt
    ahead = np.vstack([np.log(close[1:] / close[:-1]), np.zeros((1, len(NAMES)))])  # planted: tomorrow's move
    score = ahead + rng.normal(0, 0.01, close.shape)
    score[:, 7] = np.nan  # a name the factor never covers
    frame = pd.DataFrame(close, index=days, columns=NAMES).stack().dropna().rename("close").reset_index()
    frame.columns = ["date", "ticker", "close"]
    scores = pd.DataFrame(score, index=days, columns=NAMES).stack().dropna().rename("zscore").reset_index()
    scores.columns = ["date", "ticker", "zscore"]
    with project["warehouse"].get_connection() as conn:
        conn.register("bars", frame)
        conn.execute(
            "INSERT INTO prices BY NAME SELECT *, close AS open, close AS high, close AS low, 1.0 AS volume, "
            "close AS dollar_volume, 'test' AS vendor, 'test' AS source_file, 1 AS source_line FROM bars"
        )
        conn.register("scores", scores)
        conn.execute(
            "INSERT INTO factors BY NAME SELECT date, ticker, zscore AS momentum_12_1__raw_value, "
            "zscore AS momentum_12_1__zscore FROM scores"
        )
        conn.execute(
            "INSERT INTO signals SELECT ticker, date::DATE, date::DATE + 1, -zscore, 'demo_strategy' FROM scores"
        )
    return project["warehouse"], days, close, score


def _stored(warehouse, table: str) -> pd.DataFrame:
    with warehouse.get_connection() as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY ALL").df()


def test_daily_rows_and_summary_equal_the_evaluation_math(warehouse):
    store, days, close, score = warehouse
    factor_evaluation(range_context(FIRST, LAST, warehouse=store))
    daily = _stored(store, "factor_evaluation_daily")
    assert set(daily["factor"]) == {"momentum_12_1", "signal/demo_strategy"}
    first, last = evaluated_days(pd.Timestamp(FIRST), pd.Timestamp(LAST))
    assert daily["date"].min() >= first and daily["date"].max() <= last == days[-1 - EVALUATION_LAG]

    expected = daily_metrics(score, close, days)
    ours = daily[daily["factor"] == "momentum_12_1"].drop(columns="factor").set_index(["date", "horizon"]).sort_index()
    expected = expected.set_index(["date", "horizon"]).sort_index().loc[ours.index, ours.columns]
    assert np.allclose(ours.to_numpy(float), expected.to_numpy(float), equal_nan=True, atol=1e-12)

    _, summary = evaluate(score, close, days)
    stored = _stored(store, "factor_evaluation").query("factor == 'momentum_12_1'").set_index("horizon")
    for column in (
        "days",
        "mean_pearson_ic",
        "mean_spearman_ic",
        "spearman_ic_std",
        "ic_ir",
        "q1_return",
        "q5_return",
        "q1_return_demeaned",
        "q5_return_demeaned",
        "top_minus_bottom",
        "rank_autocorrelation",
        "top_turnover",
        "bottom_turnover",
    ):
        assert np.allclose(stored[column], summary.set_index("horizon")[column], atol=1e-12), column
    assert stored.loc[1, "mean_spearman_ic"] > 0.3  # the planted 1-day predictability shows up
    signal = _stored(store, "factor_evaluation").query("factor == 'signal/demo_strategy'").set_index("horizon")
    assert signal.loc[1, "mean_spearman_ic"] == pytest.approx(-stored.loc[1, "mean_spearman_ic"], abs=1e-12)


def test_day_by_day_equals_one_range(warehouse):
    store, days, _, _ = warehouse
    factor_evaluation(range_context(FIRST, LAST, warehouse=store))
    whole = _stored(store, "factor_evaluation_daily")
    split = str(days[100].date())
    factor_evaluation(range_context(FIRST, split, warehouse=store))
    factor_evaluation(range_context(str(days[101].date()), str(days[110].date()), warehouse=store))
    factor_evaluation(range_context(str(days[111].date()), LAST, warehouse=store))
    pd.testing.assert_frame_equal(_stored(store, "factor_evaluation_daily"), whole)


def test_one_thread_and_several_store_the_same_rows(warehouse, monkeypatch):
    """The series are evaluated on STRATENGINE_COMPUTE_THREADS threads; the stored figures do not depend on how
    many."""
    store = warehouse[0]
    stored = {}
    for threads in ("1", "3"):
        monkeypatch.setenv("STRATENGINE_COMPUTE_THREADS", threads)
        factor_evaluation(range_context(FIRST, LAST, warehouse=store))
        stored[threads] = _stored(store, "factor_evaluation_daily")
    assert len(stored["1"]) and set(stored["1"]["factor"]) == {"momentum_12_1", "signal/demo_strategy"}
    pd.testing.assert_frame_equal(stored["1"], stored["3"])

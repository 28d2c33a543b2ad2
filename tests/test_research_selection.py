"""Grid expansion, thresholds, run selection, research windows and the strategy file's validation."""

from pathlib import Path

import pandas as pd
import pytest

from quant.calendar import trading_days
from quant.model_signals import model_spec
from quant.research import select, variants, verdict
from quant.strategies import ResearchRules, Strategy
from quant.strategy_file import load_strategies
from stratengine_assets.backtest.backtest_grid import research_windows

RULES = ResearchRules(min_sharpe=0.5, max_drawdown=-0.30)


def test_verdict_names_each_failed_threshold():
    assert verdict({"sharpe": 0.8, "max_drawdown": -0.1}, RULES) == (
        True,
        "Sharpe 0.80 >= 0.5 and max drawdown -10.0% > -30%",
    )
    passed, reason = verdict({"sharpe": 0.2, "max_drawdown": -0.45}, RULES)
    assert not passed and reason == "Sharpe 0.20 < 0.5; max drawdown -45.0% not better than -30%"
    passed, reason = verdict({"sharpe": 0.9, "max_drawdown": -0.30}, RULES)
    assert not passed and "max drawdown -30.0% not better" in reason
    assert verdict({"sharpe": None, "max_drawdown": float("nan")}, RULES)[0] is False


def test_variants_cover_the_cartesian_grid():
    strategy = Strategy("s", {"a": 1.0}, grid={"risk_aversion": [0.5, 1.0, 2.0], "max_weight": [0.05, 0.1]})
    runs = variants(strategy)
    assert [run_id for run_id, _, _ in runs] == list(range(1, 7))
    assert {(v.risk_aversion, v.max_weight) for _, _, v in runs} == {
        (r, w) for r in (0.5, 1.0, 2.0) for w in (0.05, 0.1)
    }
    assert all(params == {"max_weight": v.max_weight, "risk_aversion": v.risk_aversion} for _, params, v in runs)
    assert [(n, p) for n, p, _ in variants(Strategy("s", {"a": 1.0}))] == [(1, {})]


def test_only_the_best_passing_run_is_selected():
    runs = pd.DataFrame({"sharpe": [1.5, 0.9, 1.1], "passed": [False, True, True]})
    assert select(runs, RULES)["selected"].tolist() == [False, False, True]
    assert not select(runs.assign(passed=False), RULES)["selected"].any()


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "strategies.toml"
    path.write_text(text)
    return str(path)


HEADER = "[strategies.s]\nfactor_weights = { momentum_12_1 = 1.0 }\n"


@pytest.mark.parametrize(
    "text, message",
    [
        (HEADER + "[strategies.s.grid]\nfactor_weights = [1]\n", "not portfolio hyperparameters"),
        (HEADER + "[strategies.s.grid]\nmax_weight = []\n", "non-empty list"),
        (HEADER + "max_turnover = -1.0\n", "max_turnover must not be negative"),
        (HEADER + 'signal_model = "xgboost"\n', "model must be one of"),
        (HEADER + 'signal_model = "ridge"\n[strategies.s.model]\nhorizon = 0\n', "need horizon >= 1"),
        ("[research]\nin_sample_fraction = 1.5\n" + HEADER, "in_sample_fraction must be in"),
        (HEADER.replace("momentum_12_1", "momentum_13_1"), r"unknown factors \['momentum_13_1'\]"),
        (HEADER + 'signal_model = "ridge"\nfeatures = ["roe", "moon_phase"]\n', "unknown factors"),
    ],
)
def test_bad_strategy_files_are_refused_with_the_reason(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_strategies(_write(tmp_path, text))


def test_model_strategy_reads_its_spec_and_research_rules(tmp_path):
    book = load_strategies(
        _write(
            tmp_path,
            '[research]\nin_sample_end = "2016-06-30"\nmin_sharpe = 0.7\n'
            '[strategies.m]\nsignal_model = "hist_gradient_boosting"\nfeatures = ["roe", "size"]\n'
            "[strategies.m.model]\nhorizon = 5\ntrain_window = 100\nmax_depth = 2\n",
        )
    )
    spec = model_spec(book.strategies["m"])
    assert (spec.horizon, spec.embargo, spec.train_window, spec.params) == (5, 5, 100, {"max_depth": 2})
    assert book.strategies["m"].features == ("roe", "size")
    assert book.research == ResearchRules(in_sample_end="2016-06-30", min_sharpe=0.7)


def test_research_windows_split_the_signal_days(project):
    days = trading_days("2016-01-04", "2016-12-30")
    with project["warehouse"].get_connection() as conn:
        conn.execute("INSERT INTO signals VALUES ('AAA', '2016-01-04', '2016-01-05', 1.0, 's')")
        conn.execute("INSERT INTO prices VALUES ('2016-12-30', 'AAA', 1, 1, 1, 1, 1, 1, 'test', 'test', 1, NULL)")
    with project["warehouse"].session() as store:
        split = research_windows(store, ResearchRules(in_sample_fraction=0.5))
        fixed = research_windows(store, ResearchRules(in_sample_end="2016-07-04"))  # a holiday: the day before
    assert split.first == days[0] and split.last == days[-1]
    assert split.in_sample_end == days[len(days) // 2 - 1]
    assert split.out_of_sample_start == days[len(days) // 2]
    assert fixed.in_sample_end == pd.Timestamp("2016-07-01") and fixed.out_of_sample_start == pd.Timestamp("2016-07-05")

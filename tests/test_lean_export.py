"""Signals in LEAN's custom-data layout: the lines themselves, what is refused, and the asset writing one file per
strategy from a real warehouse."""

import numpy as np
import pandas as pd
import pytest
from dagster import materialize

from quant.lean_export import lean_rows, write_lean_csv
from resources.settings import pipeline_settings
from stratengine_assets.portfolio.signal_export import signal_export

BUNDLED = {"eq_ls_composite", "momentum_top40", "lo_minvar", "ml_ridge_ls", "ml_hgb_lo"}


def signals(rows: list[tuple[str, str, str, float]], strategy_id: str = "lo_minvar") -> pd.DataFrame:
    """Signal rows (symbol, signal_timestamp, timestamp, signal) as the warehouse holds them."""
    frame = pd.DataFrame(rows, columns=["symbol", "signal_timestamp", "timestamp", "signal"])
    frame[["signal_timestamp", "timestamp"]] = frame[["signal_timestamp", "timestamp"]].apply(pd.to_datetime)
    return frame.assign(strategy_id=strategy_id)


def lines(frame: pd.DataFrame) -> list[str]:
    return [",".join(row) for row in frame[["date", "symbol", "signal"]].itertuples(index=False)]


def test_lines_are_dated_by_the_first_tradable_session_and_sorted_by_date_then_symbol():
    frame = signals(
        [
            ("msft", "2024-01-03", "2024-01-04", 0.123456789),
            ("BRK.B", "2024-01-02", "2024-01-03", -1.5),
            ("aapl", "2024-01-03", "2024-01-04", 123456789.0),
            ("BF-B", "2024-01-02", "2024-01-03", -0.0),
        ]
    )
    assert lines(lean_rows(frame)) == [
        "20240103,BF-B,0",
        "20240103,BRK.B,-1.5",
        "20240104,AAPL,1.2345679e+08",
        "20240104,MSFT,0.12345679",
    ]


def test_no_signals_give_no_lines():
    assert lines(lean_rows(signals([]))) == []


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_non_finite_signal_is_refused(value):
    frame = signals([("AAPL", "2024-01-03", "2024-01-04", 1.0), ("MSFT", "2024-01-03", "2024-01-04", value)])
    with pytest.raises(ValueError, match="1 signals are NaN or infinite"):
        lean_rows(frame)


@pytest.mark.parametrize("ticker", ["BRK/B", "AB C", "äpfel", "", "X,Y"])
def test_a_ticker_lean_cannot_read_is_refused(ticker):
    with pytest.raises(ValueError, match="tickers may hold only A-Z, 0-9"):
        lean_rows(signals([(ticker, "2024-01-03", "2024-01-04", 1.0)]))


def test_two_signals_for_a_symbol_on_a_day_or_two_strategies_in_a_file_are_refused():
    twice = signals([("AAPL", "2024-01-02", "2024-01-04", 1.0), ("aapl", "2024-01-03", "2024-01-04", 2.0)])
    with pytest.raises(ValueError, match="more than one signal for a symbol on a day"):
        lean_rows(twice)
    one, other = ("AAPL", "2024-01-03", "2024-01-04", 1.0), ("MSFT", "2024-01-03", "2024-01-04", 1.0)
    mixed = pd.concat([signals([one]), signals([other], "momentum_top40")])
    with pytest.raises(ValueError, match="one file per strategy"):
        lean_rows(mixed)


def test_a_file_is_replaced_whole_and_no_temp_file_is_left(tmp_path):
    target = tmp_path / "lean" / "lo_minvar.csv"
    write_lean_csv(lean_rows(signals([("AAPL", "2024-01-03", "2024-01-04", 1.0)])), target)
    write_lean_csv(lean_rows(signals([("MSFT", "2024-01-04", "2024-01-05", 2.0)])), target)
    assert target.read_bytes() == b"20240105,MSFT,2\n"
    assert [p.name for p in target.parent.iterdir()] == ["lo_minvar.csv"]


def test_the_asset_writes_one_lean_file_per_strategy_from_the_warehouse(project, tmp_path, monkeypatch):
    rows = pd.concat(
        [
            signals([("MSFT", "2024-01-03", "2024-01-04", 0.25), ("AAPL", "2024-01-03", "2024-01-04", -0.5)]),
            signals([("AAPL", "2024-01-02", "2024-01-03", 1 / 3)]),
            signals([("NVDA", "2024-01-03", "2024-01-04", 2.0)], "eq_ls_composite"),
        ]
    )
    with project["warehouse"].session() as store:
        store.append("signals", rows)
    monkeypatch.setenv("STRATENGINE_EXPORT_DIR", str(tmp_path / "out"))
    result = materialize([signal_export], resources={**project, "settings": pipeline_settings()})
    assert result.success
    folder = tmp_path / "out" / "lean"
    exported = pd.read_csv(folder / "lo_minvar.csv", header=None, dtype=str)
    assert exported.values.tolist() == [
        ["20240103", "AAPL", "0.33333333"],
        ["20240104", "AAPL", "-0.5"],
        ["20240104", "MSFT", "0.25"],
    ]
    assert (folder / "eq_ls_composite.csv").read_text() == "20240104,NVDA,2\n"
    assert {p.name for p in folder.iterdir()} == {f"{sid}.csv" for sid in BUNDLED}
    metadata = result.asset_materializations_for_node("signal_export")[0].metadata
    assert metadata["lo_minvar/rows"].value == 3
    assert (metadata["lo_minvar/first_date"].value, metadata["lo_minvar/last_date"].value) == (
        "2024-01-03",
        "2024-01-04",
    )
    assert metadata["lo_minvar/path"].value == str(folder / "lo_minvar.csv")
    assert metadata["strategies_without_signals"].value == sorted(BUNDLED - {"lo_minvar", "eq_ls_composite"})
    assert (folder / "ml_hgb_lo.csv").read_text() == ""


def test_the_asset_fails_clearly_without_any_signals(project):
    result = materialize([signal_export], resources=project, raise_on_error=False)
    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert "the warehouse holds no signals" in failure.event_specific_data.error.message

"""process_map: chains of rebalances solved in worker processes give what solving them here gives, to the bit."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from quant.calendar import trading_days
from quant.construction import solve_rebalances
from quant.strategies import BUNDLED_STRATEGIES
from quant.strategy_file import load_strategies
from stratengine_assets.common.processes import process_map


def test_results_come_in_the_jobs_order_from_other_processes():
    jobs = [(x, 3) for x in range(7)]
    assert process_map(divmod, jobs, processes=2) == [divmod(x, 3) for x in range(7)]
    pids = set(process_map(_pid, [()] * 4, processes=2))
    assert os.getpid() not in pids


def _pid() -> int:
    return os.getpid()


def test_an_error_in_a_worker_reaches_the_caller():
    with pytest.raises(ValueError, match="invalid literal"):
        process_map(int, [("1",), ("x",)], processes=2)


def _market(names: int = 80, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray, pd.DatetimeIndex, pd.Index]:
    """Candidates on three month ends and 320 sessions of closes before and through them."""
    rng = np.random.default_rng(seed)
    days = trading_days("2019-01-02", "2020-04-30")
    tickers = pd.Index([f"N{k:03d}" for k in range(names)])
    moves = rng.normal(0, 0.015, (len(days), names)) + rng.normal(0, 0.01, len(days))[:, None]
    close = 50 * np.exp(np.cumsum(moves, axis=0))
    rows = []
    for when in pd.DatetimeIndex(["2020-01-31", "2020-02-28", "2020-03-31"]):
        signal = rng.normal(size=names)
        order = (-signal).argsort().argsort()
        rows.append(
            pd.DataFrame(
                {
                    "date": when,
                    "ticker": tickers,
                    "signal": signal,
                    "best_rank": order + 1,
                    "worst_rank": names - order,
                    "beta": rng.normal(1, 0.2, names),
                    "sector": np.array(["A", "B", "C", "D"])[np.arange(names) % 4],
                }
            )
        )
    return pd.concat(rows, ignore_index=True), close, days, tickers


def test_chains_of_rebalances_solved_in_workers_equal_those_solved_here_to_the_bit():
    book = load_strategies(str(BUNDLED_STRATEGIES))
    signals, close, days, tickers = _market()
    optimized = [s for s in book.strategies.values() if s.construction != "top_n_equal_weight"]
    jobs = [(s, signals, close, days, tickers, pd.Series(dtype="float64")) for s in optimized]
    here, there = process_map(solve_rebalances, jobs, processes=1), process_map(solve_rebalances, jobs, processes=2)
    assert len(here) == len(optimized) >= 2
    for (books_here, failed_here), (books_there, failed_there) in zip(here, there, strict=True):
        assert failed_here == failed_there
        assert len(books_here) == len(books_there) == 3 - len(failed_here)
        for a, b in zip(books_here, books_there, strict=True):
            pd.testing.assert_frame_equal(a, b, rtol=0, atol=0)
    assert any(len(books) for books, _ in here)


def test_only_enough_solving_pays_for_worker_processes():
    """The 40-name demo's grid (about ten optimized runs over 28 in-sample month ends: 4.3 s of solving, 6.6 s with
    two workers) stays in the step's process; a 5,000-name grid over six years goes to the workers."""
    from stratengine_assets.portfolio.rebalance_weights import PROCESS_MIN_SECONDS, solving_seconds

    strategy = next(s for s in load_strategies(str(BUNDLED_STRATEGIES)).strategies.values() if s.candidates >= 400)

    def grid(names: int, month_ends: int) -> float:
        days = pd.date_range("2012-01-31", periods=month_ends, freq="BME")
        signals = pd.DataFrame({"date": np.repeat(days, names), "ticker": np.tile(np.arange(names), len(days))})
        return 10 * solving_seconds((strategy, signals))

    assert grid(40, 28) < PROCESS_MIN_SECONDS < grid(5000, 72)


CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from stratengine_assets.common.processes import process_map

if __name__ == "__main__":
    print("mapping", flush=True)
    process_map(time.sleep, [(30,)] * 4, processes=2)
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_workers_end_when_the_step_that_started_them_is_killed(tmp_path):
    """A step killed with SIGKILL never shuts its pool down: its workers (and multiprocessing's resource tracker)
    must still end, mid-job included, rather than wait on their queue for good."""
    script = tmp_path / "step.py"
    script.write_text(CHILD.format(root=str(Path(__file__).resolve().parents[1])))
    step = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert step.stdout.readline().strip() == "mapping"
        deadline = time.monotonic() + 60
        while len(_children(step.pid)) < 3 and time.monotonic() < deadline:  # two workers and the tracker
            time.sleep(0.2)
        started = _children(step.pid)
        assert len(started) >= 3
    finally:
        step.send_signal(signal.SIGKILL)
        step.wait()
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in started if Path(f"/proc/{pid}").exists()], "orphaned workers outlived the step"

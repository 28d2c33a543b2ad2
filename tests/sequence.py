"""A seeded random sequence of vendor deliveries into one project, with `stratengine update` after each, some of
them real processes killed with SIGKILL: history in chunks (newest first at times), daily files in and out of
order, restatements of old days, byte-identical re-deliveries under other names and removals of them, touched
files, and the reference files landing late. The final warehouse must equal a from-scratch build of the final
files (tests/test_sequence.py runs a short one; bench/sequence.py a long one)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from storage.parquet import read_rows, write_prices
from tests.sandbox import Sandbox, differences
from vendors.synthetic import SyntheticMarket, write_csv, write_parquet

CANONICAL = "prices/canonical"
KILL_AT = ("raw_prices", "prices", "universe", "factors", "signals", "target_portfolio", "portfolio_risk", "backtest")


@dataclass(frozen=True)
class Size:
    names: int = 8
    days: int = 130
    history_chunks: int = 3
    history_share: float = 0.7  # of the sessions delivered as history chunks, the rest as daily files
    restatements: int = 2
    redeliveries: int = 2
    kills: int = 1


@dataclass
class Report:
    deliveries: list[str] = field(default_factory=list)
    kills: list[str] = field(default_factory=list)
    update_seconds: list[float] = field(default_factory=list)
    scratch_seconds: float = 0.0
    differences: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        kinds = pd.Series([d.split(":")[0] for d in self.deliveries]).value_counts().sort_index()
        return {
            "deliveries": len(self.deliveries),
            "by_kind": {k: int(v) for k, v in kinds.items()},
            "kills": self.kills,
            "updates": len(self.update_seconds),
            "update_seconds_total": round(sum(self.update_seconds), 1),
            "update_seconds_median": round(float(np.median(self.update_seconds)), 2) if self.update_seconds else 0,
            "scratch_seconds": round(self.scratch_seconds, 1),
            "differences": self.differences,
        }


Action = tuple[str, Callable[[Path], None]]


class Deliveries:
    """The seeded list of deliveries for one market: each a label and a function writing into a landing folder."""

    def __init__(self, market: SyntheticMarket, size: Size, rng: np.random.Generator) -> None:
        self.market, self.size, self.rng = market, size, rng
        bars = [b.frame(market.names.tickers) for b in market.bars()]
        rows = pd.concat(bars, ignore_index=True)
        self.rows = rows[rows["date"] < market.extra_day].reset_index(drop=True)
        self.written: list[str] = []  # keys of price files delivered so far

    def actions(self) -> list[Action]:
        days = self.market.history_days
        cut = int(len(days) * self.size.history_share)
        chunks = np.array_split(np.arange(cut), self.size.history_chunks)
        history = [self._chunk(i, days[c[0]], days[c[-1]]) for i, c in enumerate(chunks)]
        self.rng.shuffle(history)
        daily = [self._daily(day) for day in days[cut:]]
        for i in range(0, len(daily) - 1, 3):  # swap some neighbours: days arriving out of order
            if self.rng.random() < 0.5:
                daily[i], daily[i + 1] = daily[i + 1], daily[i]
        prices = history + daily
        reference = [("securities", self._securities), ("fundamentals", self._fundamentals)]
        spots = sorted(self.rng.choice(np.arange(1, 4), size=2, replace=False))
        for spot, action in zip(spots, reference, strict=True):
            prices.insert(int(spot), action)
        return prices

    def extras(self) -> list[Action]:
        """Restatements, re-deliveries and a touch, to mix in once some files are there."""
        out = [("restatement", self._restate) for _ in range(self.size.restatements)]
        out += [("redelivery", self._redeliver) for _ in range(self.size.redeliveries)]
        out += [("touch", self._touch), ("removal", self._remove_copy)]
        return out

    def _chunk(self, i: int, first: pd.Timestamp, last: pd.Timestamp) -> Action:
        key = f"{CANONICAL}/history_part{i}.parquet"

        def write(landing: Path) -> None:
            frame = self.rows[(self.rows["date"] >= first) & (self.rows["date"] <= last)]
            write_parquet(frame, landing / key)

        return (f"history: {key} {first.date()}..{last.date()}", self._track(key, write))

    def _daily(self, day: pd.Timestamp) -> Action:
        key = f"{CANONICAL}/prices_{day.date()}.csv"

        def write(landing: Path) -> None:
            frame = self.rows[self.rows["date"] == day].copy()
            frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
            write_csv(frame, landing / key)

        return (f"daily: {key}", self._track(key, write))

    def _track(self, key: str, write: Callable[[Path], None]) -> Callable[[Path], None]:
        def tracked(landing: Path) -> None:
            write(landing)
            if key not in self.written:
                self.written.append(key)

        return tracked

    def _securities(self, landing: Path) -> None:
        self.market.write_securities(landing)

    def _fundamentals(self, landing: Path) -> None:
        self.market.write_fundamentals(landing)

    def _restate(self, landing: Path) -> None:
        """A delivered price file again with a few bars scaled by up to 3% (o/h/l/c together)."""
        key = self.written[int(self.rng.integers(len(self.written)))]
        path = landing / key
        frame = read_rows(path).drop(columns="source_line") if key.endswith(".parquet") else pd.read_csv(path)
        hit = self.rng.choice(len(frame), size=min(3, len(frame)), replace=False)
        factor = 1 + self.rng.uniform(-0.03, 0.03, len(hit))
        for column in ("open", "high", "low", "close", "adj_close"):
            frame.loc[frame.index[hit], column] = frame[column].to_numpy()[hit] * factor
        partial = path.with_name(f".{path.name}.partial")
        if key.endswith(".parquet"):
            write_prices(frame, partial)
        else:
            frame.to_csv(partial, index=False)
        partial.replace(path)

    def _redeliver(self, landing: Path) -> None:
        """A byte-identical copy of a delivered file under another name, sorting before or after it."""
        key = self.written[int(self.rng.integers(len(self.written)))]
        prefix = "a_resent" if self.rng.random() < 0.5 else "z_resent"
        name = key.rsplit("/", 1)[1]
        shutil.copyfile(landing / key, landing / CANONICAL / f"{prefix}_{name}")

    def _touch(self, landing: Path) -> None:
        key = self.written[int(self.rng.integers(len(self.written)))]
        (landing / key).touch()

    def _remove_copy(self, landing: Path) -> None:
        copies = sorted((landing / CANONICAL).glob("?_resent_*"))
        if copies:
            copies[int(self.rng.integers(len(copies)))].unlink()


def run_sequence(root: Path, seed: int, size: Size = Size(), say: Callable[[str], None] = lambda line: None) -> Report:
    """The sequence in `root`/incremental, a from-scratch build of its final files in `root`/scratch; the report."""
    rng = np.random.default_rng(seed)
    project = Sandbox(root / "incremental")
    deliveries = Deliveries(SyntheticMarket(size.names, size.days, seed), size, rng)
    actions = deliveries.actions()
    extras = deliveries.extras()
    for action in extras:  # each extra after a random delivery once the first history chunk is there
        actions.insert(int(rng.integers(2, len(actions) + 1)), action)
    kills = set(rng.choice(np.arange(1, len(actions)), size=size.kills, replace=False).tolist())
    report = Report()
    for step, (label, write) in enumerate(actions):
        write(project.landing)
        report.deliveries.append(label)
        say(f"[{step + 1}/{len(actions)}] {label}")
        started = time.perf_counter()
        if step in kills:
            marker = str(rng.choice(KILL_AT))
            killed = project.update_killed_at(marker, when=lambda: bool(project.live_runs()))
            report.kills.append(f"{marker} after {label}" if killed else f"{marker} (ended first) after {label}")
            say(f"  killed at {marker}" if killed else f"  update ended before {marker}")
        project.update()
        report.update_seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    scratch = project.files_copy(root / "scratch")
    scratch.update()
    report.scratch_seconds = time.perf_counter() - started
    report.differences = differences(project, scratch)
    return report

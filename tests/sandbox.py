"""A project on disk for the incremental tests: landing zone, warehouse, Dagster home and a small strategy file,
updated in-process or by a real `stratengine update` process (which a test may kill with SIGKILL)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from dagster import DagsterInstance

from storage.schema import TABLES
from vendors.synthetic import SyntheticMarket

# the portfolio a long-short sandbox strategy builds, whatever its signal
LONG_SHORT_BOOK = """construction = "mean_variance"
long_only = false
net_exposure = 0.0
gross_leverage = 2.0
max_weight = 0.3
candidates = 20
covariance_lookback = 60
risk_factors = 3
"""

STRATEGIES = f"""
[universe]
min_price = 1.0
min_adv_usd = 0.0
history_window = 60
min_history_days = 50
benchmark = "S00001"

[strategies.composite_ls]
{LONG_SHORT_BOOK}
[strategies.composite_ls.factor_weights]
momentum_3_1 = 0.5
reversal_1m = 0.5
book_to_price = 0.3

[strategies.top_momentum]
construction = "top_n_equal_weight"
rank_factor = "momentum_3_1"
top_n = 4

[strategies.top_momentum.factor_weights]
momentum_3_1 = 1.0
"""
STRATENGINE = Path(sys.executable).with_name("stratengine")


class Sandbox:
    """One project folder; `active()` points the process's StratEngine variables at it."""

    market: SyntheticMarket | None = None  # the synthetic market `synth()` landed, if any

    def __init__(self, root: Path, strategies: str | None = STRATEGIES) -> None:
        """`strategies`: the strategy file's text (None: the bundled strategies, with their settings)."""
        self.root, self.strategies = root, strategies
        (root / ".dagster_home").mkdir(parents=True, exist_ok=True)
        (root / ".dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        if strategies is not None:
            (root / "strategies.toml").write_text(strategies)
        self.landing.mkdir(parents=True, exist_ok=True)
        self.lines: list[str] = []
        self.variables: dict[str, str] = {}  # more StratEngine settings for this project

    @property
    def landing(self) -> Path:
        return self.root / "data" / "landing"

    @property
    def database(self) -> str:
        return str(self.root / "data" / "warehouse.duckdb")

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "STRATENGINE_HOME": str(self.root),
            "DAGSTER_HOME": str(self.root / ".dagster_home"),
            **(
                {"STRATENGINE_STRATEGIES": str(self.root / "strategies.toml"), "STRATENGINE_FRACDIFF_D": "0.4"}
                if self.strategies is not None
                else {}
            ),
            "STRATENGINE_WAREHOUSE": self.database,
            "STRATENGINE_LANDING_DIR": str(self.landing),
            "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
            **self.variables,
        }

    @contextmanager
    def active(self) -> Iterator[None]:
        """The process's environment pointed at this project, restored afterwards."""
        saved = dict(os.environ)
        os.environ.update(self.env())
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def clone(self, root: Path) -> Sandbox:
        """A copy of the whole project (files, warehouse, Dagster instance) at `root`."""
        shutil.copytree(self.root, root, symlinks=True)
        clone = Sandbox(root, self.strategies)
        clone.lines, clone.market = list(self.lines), self.market
        return clone

    def synth(
        self, names: int = 12, days: int = 260, seed: int = 7, prices: str = "canonical", actions: bool = False
    ) -> SyntheticMarket:
        """A synthetic market's history (canonical files with both closes, or Stooq's adjusted-only files), security
        master and fundamentals, and its corporate actions if asked, landed."""
        market = SyntheticMarket(names, days, seed)
        if prices == "stooq":
            market.write_stooq(self.landing)
        else:
            market.write_history(self.landing)
        if actions:
            market.write_actions(self.landing)
        market.write_securities(self.landing)
        market.write_fundamentals(self.landing)
        self.market = market
        return market

    def prices_file(self, year: int) -> Path:
        return self.landing / "prices" / "canonical" / f"history_{year}.parquet"

    def restate(self, day: pd.Timestamp, tickers: list[str], factor: float) -> Path:
        """Re-deliver the history file holding `day` with those tickers' bars that day scaled by `factor`."""
        from storage.parquet import read_rows, write_prices

        path = self.prices_file(day.year)
        frame = read_rows(path).drop(columns="source_line")
        hit = (pd.to_datetime(frame["date"]) == day) & frame["ticker"].isin(tickers)
        assert hit.sum() == len(tickers), f"{day.date()} {tickers}: {hit.sum()} rows"
        for column in ("open", "high", "low", "close", "adj_close"):
            frame.loc[hit, column] *= factor
        partial = path.with_name(f".{path.name}.partial")
        write_prices(frame, partial)
        partial.replace(path)
        return path

    def write(self, key: str, text: str) -> Path:
        path = self.landing / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    @contextmanager
    def opened(self) -> Iterator[tuple[DagsterInstance, dict, dict]]:
        """This project's Dagster instance, resources and resolved resources, with the environment pointed here."""
        with self.active():
            from resources.settings import build_resources, resolved_resources

            with DagsterInstance.get() as instance:
                yield instance, build_resources(), resolved_resources()

    def update(self, research: bool = False):
        """`stratengine update` in this process; the outcome."""
        from cli.update import run_update

        with self.opened() as (instance, resources, resolved):
            return run_update(instance, resources, resolved, self.lines.append, research=research)

    def ingest(self):
        """Register the landing zone and run only the ingestion phase of the plan, as `update` would."""
        from cli.update import Outcome, execute, register
        from stratengine_assets.lineage.plan import make_plan

        with self.opened() as (instance, resources, resolved):
            outcome = Outcome(register(instance, resolved))
            with resolved["warehouse"].session() as store:
                plan = make_plan(store, instance, resolved["settings"].coverage())
            if plan.phase == "ingest":
                outcome.plans.append(plan)
                execute(plan, instance, resources, self.lines.append, outcome)
            return outcome

    def tick(self) -> dict[str, list[str]]:
        """One pipeline_sensor tick on this project: the partition keys it requests, by asset."""
        from tests.helpers import tick

        with self.opened() as (instance, resources, _):
            return tick(instance, resources)

    def update_killed_at(self, marker: str, when: Callable[[], bool] | None = None, timeout: float = 300) -> bool:
        """A real `stratengine update` process, killed with SIGKILL once a line starting with `marker` appears (and
        then `when()` holds, polled for up to 30 s); True when it was killed, False when it ended first."""
        process = subprocess.Popen(
            [str(STRATENGINE), "update"],
            env={**self.env(), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            for line in process.stdout:
                self.lines.append(line.rstrip())
                if line.strip().startswith(marker):
                    deadline = time.monotonic() + 30
                    while when is not None and not when() and process.poll() is None and time.monotonic() < deadline:
                        time.sleep(0.05)
                    if process.poll() is not None:
                        return False
                    process.send_signal(signal.SIGKILL)
                    process.wait(timeout=timeout)
                    return True
            process.wait(timeout=timeout)
            return False
        finally:
            if process.poll() is None:
                process.kill()

    def latest_materialization_metadata(self, asset: str) -> dict:
        """The metadata of the asset's latest materialization, values unwrapped."""
        from dagster import AssetKey

        with self.active(), DagsterInstance.get() as instance:
            event = instance.get_latest_materialization_event(AssetKey(asset))
            metadata = event.asset_materialization.metadata
            return {key: getattr(value, "value", value) for key, value in metadata.items()}

    def latest_run_tags(self, asset: str) -> dict[str, str]:
        """The tags of the run that last materialized the asset."""
        from dagster import AssetKey

        with self.active(), DagsterInstance.get() as instance:
            event = instance.get_latest_materialization_event(AssetKey(asset))
            return dict(instance.get_run_by_id(event.run_id).tags)

    def live_runs(self) -> list[str]:
        """The ids of the runs this project's instance holds as STARTING or STARTED."""
        from dagster import DagsterRunStatus, RunsFilter

        with self.active(), DagsterInstance.get() as instance:
            live = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
            return [run.run_id for run in instance.get_runs(RunsFilter(statuses=live))]

    def files_copy(self, root: Path) -> Sandbox:
        """A new project holding the same landed files (their bytes; not their modification times)."""
        other = Sandbox(root, self.strategies)
        for path in sorted(self.landing.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                target = other.landing / path.relative_to(self.landing)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        return other

    def warehouse(self):
        """This project's warehouse resource (its backend as the environment picks it), values resolved."""
        from resources.settings import warehouse

        with self.active():
            return warehouse(resolved=True)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self.warehouse().get_connection() as conn:
            return conn.execute(sql, params or []).df()


def differences(a: Sandbox, b: Sandbox, tables: Iterable[str] = TABLES) -> dict[str, str]:
    """The tables whose rows differ between two projects' warehouses (values to 1e-9), and how."""
    from storage.compare import differences as compared

    with a.warehouse().session() as left, b.warehouse().session() as right:
        return {table: why for table, why in compared(left, right, tables=tables).items() if why}

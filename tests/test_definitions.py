"""The code location loads the way the webserver loads it, and the schedule respects the calendar."""

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import DagsterInstance, RunRequest, build_run_status_sensor_context, build_schedule_context, job, op

from partitions import range_tags
from partitions.definitions import add_tickers
from sensors.backtest_refresh import refresh_after_daily_update
from sensors.schedules import daily_update_schedule
from stratengine_assets.definitions import defs

ROOT = Path(__file__).resolve().parents[1]


def test_dagster_definitions_validate(project):
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_asset_is_in_the_graph():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "raw_prices",
        "prices",
        "securities",
        "fundamentals",
        "factor_evaluation",
        "frac_diff",
        "universe",
        "factors",
        "signals",
        "target_portfolio",
        "portfolio_risk",
        "backtest",
        "backtest_grid",
        "oos_simulation",
        "investor_portfolio",
    }


def _tick(day: str):
    when = dt.datetime.fromisoformat(f"{day}T18:30:00").replace(tzinfo=ZoneInfo("America/New_York"))
    return daily_update_schedule(build_schedule_context(scheduled_execution_time=when))


def test_schedule_runs_trading_days_only():
    request = _tick("2017-11-10")
    assert isinstance(request, RunRequest) and request.partition_key == "2017-11-10"
    assert _tick("2017-07-04") == []


def test_resources_from_env_vars_resolve_for_direct_use(tmp_path, monkeypatch):
    from stratengine_assets.settings import build_resources

    monkeypatch.setenv("STRATENGINE_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("STRATENGINE_LANDING_DIR", str(tmp_path / "landing"))
    direct = build_resources(direct=True)
    assert direct["landing_zone"].files("prices") == []
    with direct["warehouse"].get_connection() as conn:
        assert conn.execute("SELECT count(*) FROM prices").fetchall() == [(0,)]
    assert (tmp_path / "w.duckdb").exists()


def test_a_daily_update_refreshes_research_and_every_ticker():
    @op
    def finished() -> None:
        """Stands in for the daily update's last step."""

    @job
    def stand_in_for_daily_update():
        finished()

    instance = DagsterInstance.ephemeral()
    result = stand_in_for_daily_update.execute_in_process(instance=instance)
    context = lambda: build_run_status_sensor_context(  # noqa: E731
        sensor_name=refresh_after_daily_update.name,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_success_event(),
    )
    assert [r.job_name for r in refresh_after_daily_update(context())] == ["backtest_job"]
    add_tickers(instance, ["MSFT", "AAPL", "BRK.B"])
    backtest, frac_diff = refresh_after_daily_update(context())
    assert backtest.run_key == f"backtest-after-{result.run_id}"
    assert frac_diff.job_name == "frac_diff_job"
    assert frac_diff.tags == range_tags("AAPL", "MSFT")
    add_tickers(instance, ["AMZN"])  # added later, so last in partition order: the range must still reach it
    assert refresh_after_daily_update(context())[1].tags == range_tags("AAPL", "AMZN")

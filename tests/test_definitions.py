"""The code location loads the way the webserver loads it, and the schedule respects the calendar."""

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import RunRequest, build_schedule_context

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

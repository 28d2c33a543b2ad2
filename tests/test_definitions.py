"""The code location loads the way the webserver loads it, and the schedule respects the calendar."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from stratengine_assets.definitions import defs
from tests.helpers import stop_group

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).with_name(command[0])
    return subprocess.run([str(tool), *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_dagster_definitions_validate(project):
    result = _run("dagster", "definitions", "validate", "-w", "workspace.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_repository_is_a_dg_project(project):
    checked = _run("dg", "check", "defs")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All definitions loaded successfully" in checked.stdout + checked.stderr
    listed = _run("dg", "list", "defs", "--json")
    assert listed.returncode == 0, listed.stderr
    sections = json.loads(listed.stdout)
    assets = {row["asset_key"] for row in sections["assets"]}
    assert {"prices", "target_portfolio", "backtest"} <= assets
    assert {row["name"] for row in sections["sensors"]} == {
        "pipeline_sensor",
        "run_failure_alert",
        "failed_check_alert_on_success",
        "failed_check_alert_on_failure",
        "stale_data_alert",
    }


def test_dg_dev_serves_the_code_location(project, tmp_path):
    port = _free_port()
    log = open(tmp_path / "dg_dev.log", "w")  # noqa: SIM115 (the server writes to it until it is stopped)
    tool = Path(sys.executable).with_name("dg")
    server = subprocess.Popen(
        [str(tool), "dev", "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        assert _code_locations(port, deadline=time.monotonic() + 120) == ["stratengine"]
    finally:
        stop_group(server)
        log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _code_locations(port: int, deadline: float) -> list[str]:
    """The webserver's code locations, polled until it answers with one that loaded or the deadline passes."""
    query = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/graphql",
                data=json.dumps({"query": query}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                entries = json.load(response)["data"]["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return [e["name"] for e in entries]
        except (OSError, KeyError, TypeError):
            pass
        time.sleep(1)
    return []


def test_every_asset_is_in_the_graph():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "raw_prices",
        "prices",
        "securities",
        "fundamentals",
        "corporate_actions",
        "price_basis",
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
        "signal_export",
    }


def test_resources_from_env_vars_resolve_for_direct_use(tmp_path, monkeypatch):
    from resources.settings import resolved_resources

    monkeypatch.setenv("STRATENGINE_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("STRATENGINE_LANDING_DIR", str(tmp_path / "landing"))
    direct = resolved_resources()
    assert direct["landing_zone"].files("prices") == []
    with direct["warehouse"].get_connection() as conn:
        assert conn.execute("SELECT count(*) FROM prices").fetchall() == [(0,)]
    assert (tmp_path / "w.duckdb").exists()

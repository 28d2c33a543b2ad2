"""The REST API over a real warehouse file and Dagster instance, served by uvicorn: reads, the investor's flow,
auth refusals and bad input (4xx, nothing written)."""

import time

import pandas as pd
import pytest
import requests
from dagster import DagsterInstance

from resources.settings import ApiSettings, build_resources, pipeline_settings
from storage.warehouse import eq
from tests.conftest import point_at_project
from tests.live_server import serving
from web.app import create_app
from web.server import executor

TOKEN = "s3cret-token"
DAY = pd.Timestamp("2017-11-10")
TARGETS = pd.DataFrame({"ticker": ["AAA", "BBB", "CCC"], "weight": [0.5, 0.3, 0.2]})
CLOSES = {"AAA": 100.0, "BBB": 50.0, "CCC": 20.0, "SPY": 250.0}


def _seed(warehouse) -> None:
    """A target book, closes, factor scores, signals, a short backtest and two quarantined rows."""
    with warehouse.session() as store:
        store.append("target_portfolio", TARGETS.assign(date=DAY, strategy_id="lo_minvar", rebalance_date=DAY))
        days = pd.bdate_range("2017-11-06", DAY)
        bars = pd.DataFrame(
            [(d, t, c * (1 + 0.01 * i)) for i, d in enumerate(days) for t, c in CLOSES.items()],
            columns=["date", "ticker", "close"],
        )
        store.append(
            "prices",
            bars.assign(
                open=bars["close"],
                high=bars["close"],
                low=bars["close"],
                volume=1e6,
                dollar_volume=1e6,
                vendor="stooq",
                source_file="f",
                source_line=1,
            ),
        )
        store.append(
            "factors",
            pd.DataFrame(
                {
                    "date": DAY,
                    "ticker": ["AAA", "BBB"],
                    "momentum_12_1__raw_value": [0.3, 0.1],
                    "momentum_12_1__zscore": [1.5, 0.5],
                    "momentum_12_1__sector_zscore": 0.0,
                }
            ),
        )
        store.append(
            "signals",
            pd.DataFrame(
                {
                    "symbol": ["AAA", "BBB"],
                    "signal_timestamp": DAY,
                    "timestamp": DAY,
                    "signal": [1.2, 0.4],
                    "strategy_id": "lo_minvar",
                }
            ),
        )
        returns = pd.DataFrame(
            {
                "date": days,
                "gross_return": 0.01,
                "cost": 0.0,
                "net_return": [0.01, -0.02, 0.01, 0.0, 0.01],
                "turnover": 0.0,
                "commission": 0.0,
                "slippage": 0.0,
            }
        )
        store.append("backtest_returns", returns.assign(strategy_id="lo_minvar"))
        store.append(
            "quarantine",
            pd.DataFrame(
                {
                    "dataset": "raw_prices",
                    "date": DAY,
                    "ticker": ["AAA", "BBB"],
                    "reason": "high_below_low",
                    "vendor": "stooq",
                    "source_file": "f",
                    "source_line": [3, 4],
                    "detected_at": pd.Timestamp.now(),
                }
            ),
        )


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """One seeded warehouse and Dagster home behind one server for the module (the tests only read, or write
    what no other test counts)."""
    with pytest.MonkeyPatch.context() as env:
        project = point_at_project(env, tmp_path_factory.mktemp("api") / "project")
        _seed(project["warehouse"])
        instance = DagsterInstance.get()
        settings = ApiSettings(token=TOKEN, max_body_bytes=4096)
        app = create_app(
            project["warehouse"], pipeline_settings().strategy_book(), instance, settings, executor(project)
        )
        with serving(app) as url:
            yield url, project, instance


def _allocation(amount=10_000.0, **extra) -> dict:
    return {"strategy_id": "lo_minvar", "amount": amount, "mode": "lump_sum", **extra}


def _auth() -> dict:
    return {"Authorization": f"Bearer {TOKEN}"}


def test_reads_portfolio_rationale_performance_and_pipeline(api):
    url, _, _ = api
    strategies = requests.get(f"{url}/api/strategies", timeout=30).json()
    assert "lo_minvar" in {s["strategy_id"] for s in strategies}
    book = requests.get(f"{url}/api/strategies/lo_minvar/portfolio", timeout=30).json()
    assert book["date"] == "2017-11-10"
    held = {h["ticker"]: h for h in book["holdings"]}
    assert held["AAA"]["weight"] == 0.5 and held["AAA"]["signal"] == 1.2
    assert held["AAA"]["exposures"] == {"momentum_12_1": 1.5} and held["CCC"]["exposures"] == {}
    perf = requests.get(f"{url}/api/strategies/lo_minvar/performance", timeout=30).json()
    assert perf["equity"][:2] == [1.01, pytest.approx(1.01 * 0.98)]
    assert perf["drawdown"][1] == pytest.approx(-0.02) and perf["benchmark_equity"][0] == 1.0
    assert perf["benchmark_equity"][-1] == pytest.approx(1.04 / 1.0)
    pipeline = requests.get(f"{url}/api/pipeline", timeout=30).json()
    assert {"dataset": "raw_prices", "reason": "high_below_low", "rows": 2} in pipeline["quarantine"]
    assert {r["dataset"]: r["last"] for r in pipeline["freshness"]}["prices"] == "2017-11-10"
    rows = requests.get(f"{url}/api/quarantine", params={"reason": "high_below_low", "limit": 1}, timeout=30).json()
    assert rows["total"] == 2 and [r["source_line"] for r in rows["rows"]] == [3]
    assert "/api/investors/{investor_id}/allocations" in requests.get(f"{url}/openapi.json", timeout=30).json()["paths"]


def test_two_investors_keep_their_own_allocations(api):
    url, _, _ = api
    first = requests.post(
        f"{url}/api/investors/alice/allocations", json=_allocation(10_000), headers=_auth(), timeout=30
    )
    assert first.status_code == 201, first.text
    assert {h["ticker"]: h["shares"] for h in first.json()["holdings"]} == {"AAA": 48.0, "BBB": 57.0, "CCC": 96.0}
    second = requests.post(
        f"{url}/api/investors/bob/allocations",
        headers=_auth(),
        timeout=30,
        json=_allocation(1_000, mode="sip", holdings={"AAA": 2}),
    )
    assert second.status_code == 201, second.text
    alice = requests.get(f"{url}/api/investors/alice/allocations", timeout=30).json()
    bob = requests.get(f"{url}/api/investors/bob/allocations", timeout=30).json()
    assert [a["amount"] for a in alice] == [10_000.0] and [b["amount"] for b in bob] == [1_000.0]
    assert {h["ticker"]: h["current_shares"] for h in bob[0]["holdings"]}["AAA"] == 2.0


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 401), ({"Authorization": TOKEN}, 401)],
)
def test_writes_need_the_token(api, headers, status):
    url, project, _ = api
    before = _written(project)
    response = requests.post(f"{url}/api/investors/alice/allocations", json=_allocation(), headers=headers, timeout=30)
    assert response.status_code == status and "Bearer" in response.json()["detail"]
    simulate = requests.post(f"{url}/api/simulations", json={"strategy_id": "lo_minvar"}, headers=headers, timeout=30)
    assert simulate.status_code == status
    assert _written(project) == before


def test_no_token_configured_refuses_every_write(project):
    app = create_app(
        project["warehouse"],
        pipeline_settings().strategy_book(),
        DagsterInstance.get(),
        ApiSettings(token=None),
        executor(build_resources()),
    )
    with serving(app) as url:
        response = requests.post(
            f"{url}/api/investors/alice/allocations",
            json=_allocation(),
            timeout=30,
            headers={"Authorization": "Bearer anything"},
        )
        assert response.status_code == 403 and "STRATENGINE_API_TOKEN" in response.json()["detail"]
        before_any_build = requests.get(f"{url}/api/strategies", timeout=30)
        assert before_any_build.status_code == 503 and "stratengine demo" in before_any_build.json()["detail"]
    assert _written(project) == (0, 0)


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/api/investors/alice/allocations", _allocation(strategy_id="nope"), 404, "unknown strategy"),
        ("/api/investors/alice/allocations", _allocation(amount=-5), 422, "greater than 0"),
        ("/api/investors/alice/allocations", _allocation(mode="weekly"), 422, "lump_sum"),
        ("/api/investors/alice/allocations", _allocation(holdings={"AAA": -1}), 400, ">= 0"),
        ("/api/investors/alice/allocations", _allocation(holdings={"bad ticker!": 1}), 400, "invalid ticker"),
        ("/api/investors/alice/allocations", _allocation(universe="mars"), 404, "unknown universe"),
        ("/api/investors/alice/allocations", _allocation(extra_field=1), 422, "extra"),
        ("/api/investors/al%20ice/allocations", _allocation(), 422, "pattern"),
        ("/api/investors/alice/allocations", _allocation(holdings={f"T{i}": 1 for i in range(600)}), 413, "bytes"),
        ("/api/simulations", {"strategy_id": "nope"}, 404, "unknown strategy"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_writes_nothing(api, path, body, status, says):
    url, project, _ = api
    before = _written(project)
    response = requests.post(f"{url}{path}", json=body, headers=_auth(), timeout=30)
    assert response.status_code == status, response.text
    assert says in response.text
    assert _written(project) == before


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/strategies/nope/portfolio", 404),
        ("/api/strategies/lo_minvar/portfolio?date=2017-13-45", 422),
        ("/api/quarantine?limit=100000", 422),
        ("/api/factors/evaluation?horizon=0", 422),
        ("/api/simulations/not-a-run", 422),
        ("/api/simulations/00000000-0000-0000-0000-000000000000", 404),
    ],
)
def test_bad_reads_get_4xx(api, path, status):
    url, _, _ = api
    assert requests.get(f"{url}{path}", timeout=30).status_code == status


def test_simulation_is_a_dagster_run_followed_to_its_end(api):
    url, _, instance = api
    started = requests.post(
        f"{url}/api/simulations", json={"strategy_id": "lo_minvar", "investor_id": "alice"}, headers=_auth(), timeout=30
    )
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    deadline, status = time.monotonic() + 120, {}
    while time.monotonic() < deadline:
        status = requests.get(f"{url}/api/simulations/{run_id}", timeout=30).json()
        if status["status"] not in {"QUEUED", "NOT_STARTED", "STARTING", "STARTED"}:
            break
        time.sleep(0.5)
    assert status["status"] == "SUCCESS" and status["finished"] and status["requested_by"] == "alice"
    run = instance.get_run_by_id(run_id)
    assert run.job_name == "oos_simulation_job" and run.tags["stratengine/strategy"] == "lo_minvar"


def _written(project) -> tuple[int, int]:
    """(allocation rows stored, Dagster runs recorded)."""
    with project["warehouse"].session() as store:
        return store.count("investor_portfolio"), len(DagsterInstance.get().get_runs())


def test_no_cached_answer_outlives_a_commit(api):
    """Reads are cached per warehouse version: a commit by anyone else is seen on the next read."""
    url, project, _ = api
    route = f"{url}/api/strategies/lo_minvar/portfolio"
    assert requests.get(route, timeout=30).json()["date"] == "2017-11-10"
    later = pd.Timestamp("2017-11-13")
    with project["warehouse"].session() as store:
        store.append("target_portfolio", TARGETS.assign(date=later, strategy_id="lo_minvar", rebalance_date=later))
    assert requests.get(route, timeout=30).json()["date"] == "2017-11-13"
    with project["warehouse"].session() as store:
        store.delete("target_portfolio", eq("date", later))
    assert requests.get(route, timeout=30).json()["date"] == "2017-11-10"

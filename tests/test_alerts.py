"""Alerts reach a real HTTP webhook: a failed run, a failed blocking check, a stale daily asset (once), and
nothing at all when no URL is set."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    asset,
    build_run_status_sensor_context,
    build_sensor_context,
    materialize,
)

from resources import PipelineSettings
from resources.alerts import AlertWebhookResource
from sensors.alerts import failed_check_alert_on_failure, run_failure_alert, stale_data_alert


class Recorder(BaseHTTPRequestHandler):
    """Keeps each POST's JSON body; answers 500 on /broken, 200 elsewhere."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(json.loads(body))
        self.send_response(500 if self.path == "/broken" else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.received = []
    server.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


@asset
def throwaway_broken() -> None:
    raise ValueError("the vendor sent an empty file\nsecond line of detail")


@asset(
    check_specs=[
        AssetCheckSpec("has_rows", asset="throwaway_checked", blocking=True, description="at least one row"),
        AssetCheckSpec("looks_odd", asset="throwaway_checked", description="a warning only"),
    ]
)
def throwaway_checked() -> MaterializeResult:
    return MaterializeResult(
        check_results=[
            AssetCheckResult(check_name="has_rows", passed=False),
            AssetCheckResult(check_name="looks_odd", passed=False, severity=AssetCheckSeverity.WARN),
        ]
    )


def failed_run_context(instance, assets, sensor_name: str, url: str | None, **extra):
    result = materialize(assets, instance=instance, raise_on_error=False, tags={"stratengine/trigger": "a test"})
    assert not result.success
    return result.dagster_run, build_run_status_sensor_context(
        sensor_name=sensor_name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"alerts": AlertWebhookResource(url=url)},
        **extra,
    )


def test_a_failed_run_is_posted_with_its_first_error_line_assets_and_tags(webhook, instance):
    run, context = failed_run_context(instance, [throwaway_broken], "run_failure_alert", webhook.url)
    run_failure_alert(context.for_run_failure())
    (posted,) = webhook.received
    lines = posted["text"].splitlines()
    assert (
        lines[0]
        == f"StratEngine run failed: __ephemeral_asset_job__ {run.run_id[:8]} ValueError: the vendor sent an empty file"
    )
    assert lines[1] == "assets: throwaway_broken"
    assert lines[2].startswith("tags: ") and "stratengine/trigger=a test" in lines[2]


@pytest.mark.filterwarnings("ignore::dagster.BetaWarning")  # repository_def, for the check descriptions
def test_a_failed_blocking_check_is_posted_and_a_warning_is_not(webhook, instance):
    repository = Definitions(assets=[throwaway_checked]).get_repository_def()
    run, context = failed_run_context(
        instance, [throwaway_checked], "failed_check_alert_on_failure", webhook.url, repository_def=repository
    )
    failed_check_alert_on_failure(context)
    expected = "StratEngine check failed: throwaway_checked has_rows (ERROR, blocking): at least one row"
    assert [body["text"] for body in webhook.received] == [f"{expected} (run {run.run_id[:8]})"]


def test_a_stale_daily_asset_is_posted_once(webhook, instance):
    instance.report_runless_asset_event(AssetMaterialization("prices"))
    updated = instance.get_latest_materialization_event(AssetKey("prices")).timestamp
    alerts = AlertWebhookResource(url=webhook.url)
    fresh = build_sensor_context(instance=instance, resources={"alerts": alerts, "settings": PipelineSettings()})
    stale_data_alert(fresh)
    assert webhook.received == []  # within the default 30 hours
    time.sleep(0.05)
    tiny = PipelineSettings(stale_after_hours="0.00001")  # 36 ms: the deadline has passed
    first = build_sensor_context(instance=instance, resources={"alerts": alerts, "settings": tiny})
    stale_data_alert(first)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(updated))
    assert [body["text"] for body in webhook.received] == [
        f"StratEngine stale: prices last updated {when} (limit 0.00001 h)"
    ]
    again = build_sensor_context(instance=instance, cursor=first.cursor, resources={"alerts": alerts, "settings": tiny})
    stale_data_alert(again)
    assert len(webhook.received) == 1


def test_no_url_means_no_post_and_no_error(webhook, instance):
    _, context = failed_run_context(instance, [throwaway_broken], "run_failure_alert", None)
    run_failure_alert(context.for_run_failure())
    instance.report_runless_asset_event(AssetMaterialization("prices"))
    settings = PipelineSettings(stale_after_hours="0.00001")
    off = build_sensor_context(instance=instance, resources={"alerts": AlertWebhookResource(), "settings": settings})
    assert "alerts are off" in stale_data_alert(off).skip_message
    assert AlertWebhookResource(url="").post("hello") is False
    assert webhook.received == []


def test_a_refused_or_unreachable_webhook_returns_false(webhook):
    assert AlertWebhookResource(url=webhook.url).post("hello") is True
    assert AlertWebhookResource(url=webhook.url.replace("/hook", "/broken")).post("hello") is False
    closed = f"http://127.0.0.1:{free_port()}/hook"
    assert AlertWebhookResource(url=closed, timeout_seconds=2).post("hello") is False
    assert [body["text"] for body in webhook.received] == ["hello", "hello"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_webhook_url_is_wired_from_the_environment(monkeypatch, tmp_path):
    from resources.settings import build_resources, resolved_resources

    monkeypatch.setenv("STRATENGINE_HOME", str(tmp_path))
    monkeypatch.delenv("STRATENGINE_ALERT_WEBHOOK_URL", raising=False)
    assert build_resources()["alerts"].enabled is False
    monkeypatch.setenv("STRATENGINE_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    assert resolved_resources()["alerts"].url == "http://127.0.0.1:9/hook"

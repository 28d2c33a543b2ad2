"""Alert sensors, each posting to the webhook (resources/alerts.py): a failed run, a failed asset check that blocks
or has severity ERROR, and a daily asset whose latest materialization is older than STRATENGINE_STALE_AFTER_HOURS.

The run and check sensors start RUNNING when STRATENGINE_ALERT_WEBHOOK_URL is set at load time and STOPPED
otherwise (without a URL they would only tick). The stale-data sensor always starts STOPPED: a development
warehouse is stale most of the time; turn it on where data is expected daily. It posts once per asset and
materialization (its cursor holds the materialization each alert was about), skips assets never materialized, and
counts wall-clock hours, so a Friday's update is flagged over a weekend when the limit is under about 3 days.
"""

import datetime as dt
import json
import time

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    TimeWindowPartitionsDefinition,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)
from dagster._utils.error import SerializableErrorInfo

from resources import PipelineSettings
from resources.alerts import AlertWebhookResource
from resources.settings import alerts_configured
from stratengine_assets.lineage.graph import asset_graph

ALERT_STATUS = DefaultSensorStatus.RUNNING if alerts_configured() else DefaultSensorStatus.STOPPED
SHOWN_TAG_LENGTH = 200  # a backfill's plan and trigger tags run to 1,000 characters
STALE_CHECK_SECONDS = 900


def first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def run_lines(instance: DagsterInstance, run: DagsterRun) -> list[str]:
    """The run's assets (its selection, else those it planned to materialize) and tags (hidden ones left out,
    long values cut), as alert lines."""
    planned = DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    assets = run.asset_selection or instance.get_asset_keys_for_run(run.run_id, of_type=planned)
    lines = ["assets: " + ", ".join(sorted(key.to_user_string() for key in assets))] if assets else []
    tags = [f"{key}={value[:SHOWN_TAG_LENGTH]}" for key, value in sorted(run.tags.items()) if not key.startswith(".")]
    if tags:
        lines.append("tags: " + ", ".join(tags))
    return lines


def user_error(error: SerializableErrorInfo) -> SerializableErrorInfo:
    """The error under Dagster's wrappers ("Error occurred while executing op ..."): the one the code raised."""
    while error.cause and error.cls_name and error.cls_name.startswith("Dagster"):
        error = error.cause
    return error


def failure_text(context: RunFailureSensorContext) -> str:
    """The alert for a failed run: job, short run id and the first line of the first failed step's error."""
    run, steps = context.dagster_run, context.get_step_failure_events()
    error = steps[0].event_specific_data.error if steps else None
    reason = first_line(user_error(error).message if error else context.failure_event.message)
    return "\n".join(
        [
            f"StratEngine run failed: {run.job_name} {run.run_id[:8]} {reason}".rstrip(),
            *run_lines(context.instance, run),
        ]
    )


@run_failure_sensor(default_status=ALERT_STATUS, minimum_interval_seconds=30)
def run_failure_alert(context: RunFailureSensorContext, alerts: AlertWebhookResource) -> None:
    """Post every failed run of this code location to the webhook."""
    alerts.post(failure_text(context))


def failed_checks(instance: DagsterInstance, run_id: str) -> list[AssetCheckEvaluation]:
    """The run's check evaluations that failed and block downstream or have severity ERROR."""
    entries = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    evaluations = [entry.dagster_event.event_specific_data for entry in entries]
    return [e for e in evaluations if not e.passed and (e.blocking or e.severity == AssetCheckSeverity.ERROR)]


def check_description(context: RunStatusSensorContext, evaluation: AssetCheckEvaluation) -> str:
    """The result's description, else the check's own, from the code location's asset graph."""
    key = AssetCheckKey(evaluation.asset_key, evaluation.check_name)
    graph = context.repository_def.asset_graph if context.repository_def else None
    if evaluation.description or graph is None or key not in graph.asset_check_keys:
        return evaluation.description or ""
    return graph.get_check_spec(key).description or ""


def check_text(context: RunStatusSensorContext, evaluation: AssetCheckEvaluation) -> str:
    """The alert for one failed check: asset, partition, check, severity, blocking, description and run."""
    where = evaluation.asset_key.to_user_string() + (f" [{evaluation.partition}]" if evaluation.partition else "")
    kind = evaluation.severity.value + (", blocking" if evaluation.blocking else "")
    about = f": {description}" if (description := check_description(context, evaluation)) else ""
    run = context.dagster_run
    return f"StratEngine check failed: {where} {evaluation.check_name} ({kind}){about} (run {run.run_id[:8]})"


def check_alert_sensor(status: DagsterRunStatus) -> SensorDefinition:
    """A sensor posting the failed checks of each run that ends in `status` (blocking checks fail their run;
    others fail inside runs that succeed)."""

    @run_status_sensor(
        run_status=status,
        name=f"failed_check_alert_on_{status.value.lower()}",
        default_status=ALERT_STATUS,
        minimum_interval_seconds=30,
    )
    def failed_check_alert(context: RunStatusSensorContext, alerts: AlertWebhookResource) -> None:
        """Post each failed blocking or ERROR-severity check of the run to the webhook."""
        for evaluation in failed_checks(context.instance, context.dagster_run.run_id):
            alerts.post(check_text(context, evaluation))

    return failed_check_alert


failed_check_alert_on_success = check_alert_sensor(DagsterRunStatus.SUCCESS)
failed_check_alert_on_failure = check_alert_sensor(DagsterRunStatus.FAILURE)


def daily_assets() -> list[AssetKey]:
    """The assets partitioned by trading day."""
    graph = asset_graph()
    return [
        key
        for key in graph.toposorted_asset_keys
        if isinstance(graph.get(key).partitions_def, TimeWindowPartitionsDefinition)
    ]


def last_updates(instance: DagsterInstance, keys: list[AssetKey]) -> dict[str, float]:
    """Each asset's latest materialization time (epoch seconds), for those materialized at least once."""
    entries = [record.asset_entry for record in instance.get_asset_records(keys)]
    return {e.asset_key.to_user_string(): e.last_materialization.timestamp for e in entries if e.last_materialization}


def newly_stale(updated: dict[str, float], alerted: dict[str, float], now: float, limit: float) -> dict[str, float]:
    """The assets last updated more than `limit` seconds before `now` whose latest update no alert was about."""
    return {asset: at for asset, at in updated.items() if now - at > limit and alerted.get(asset) != at}


def stale_text(asset: str, updated: float, hours: str) -> str:
    when = dt.datetime.fromtimestamp(updated, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"StratEngine stale: {asset} last updated {when} (limit {hours} h)"


@sensor(minimum_interval_seconds=STALE_CHECK_SECONDS, default_status=DefaultSensorStatus.STOPPED)
def stale_data_alert(
    context: SensorEvaluationContext, alerts: AlertWebhookResource, settings: PipelineSettings
) -> SkipReason:
    """Post each daily asset whose latest materialization is older than STRATENGINE_STALE_AFTER_HOURS, once."""
    if not alerts.enabled:
        return SkipReason("alerts are off: STRATENGINE_ALERT_WEBHOOK_URL is not set")
    alerted = json.loads(context.cursor) if context.cursor else {}
    updated = last_updates(context.instance, daily_assets())
    stale = newly_stale(updated, alerted, time.time(), settings.stale_after_seconds())
    posted = {
        asset: at for asset, at in stale.items() if alerts.post(stale_text(asset, at, settings.stale_after_hours))
    }
    context.update_cursor(json.dumps({**alerted, **posted}, sort_keys=True))
    if len(posted) < len(stale):
        context.log.warning(f"{len(stale) - len(posted)} stale alerts not sent; trying again next tick")
    return SkipReason(f"{len(posted)} stale assets alerted" if stale else "no daily asset is stale")

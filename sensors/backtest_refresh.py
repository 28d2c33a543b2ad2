"""Re-run the backtest after every successful daily update, so the metrics include the new day."""

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    define_asset_job,
    run_status_sensor,
)

from sensors.schedules import daily_update_job

backtest_job = define_asset_job("backtest_job", selection=AssetSelection.assets("backtest"))


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[daily_update_job],
    request_job=backtest_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
)
def backtest_after_daily_update(context: RunStatusSensorContext) -> RunRequest:
    """One backtest run per successful daily_update_job run."""
    return RunRequest(run_key=f"backtest-after-{context.dagster_run.run_id}")

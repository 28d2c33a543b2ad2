"""Strategy research on a weekly cadence: the in-sample grid, then the out-of-sample simulation."""

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

research_job = define_asset_job("research_job", selection=AssetSelection.assets("backtest_grid", "oos_simulation"))

research_schedule = ScheduleDefinition(
    name="research_schedule",
    job=research_job,
    cron_schedule="0 6 * * 6",
    execution_timezone="America/New_York",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Saturday 06:00 New York: re-tune every strategy's grid and re-run its out-of-sample simulation",
)

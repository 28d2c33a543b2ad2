"""The evening schedule: the latest trading day through the whole chain, once its close is in."""

from __future__ import annotations

from dagster import AssetSelection, RunRequest, ScheduleEvaluationContext, define_asset_job, schedule

from partitions import trading_day_partitions

DAILY_ASSETS = [
    "raw_prices",
    "prices",
    "universe",
    "factors",
    "signals",
    "factor_evaluation",
    "target_portfolio",
    "portfolio_risk",
]

daily_update_job = define_asset_job(
    "daily_update_job",
    selection=AssetSelection.assets(*DAILY_ASSETS),
)


@schedule(job=daily_update_job, cron_schedule="30 18 * * 1-5", execution_timezone="America/New_York")
def daily_update_schedule(context: ScheduleEvaluationContext):
    """18:30 New York on weekdays: materialize today's partition when today is a trading day."""
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    if not trading_day_partitions.has_partition_key(day):
        return []
    return RunRequest(run_key=day, partition_key=day)

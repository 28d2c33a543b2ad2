"""After every successful daily update: re-run the backtest, so its metrics include the new day, and the
per-ticker fractional differences, so they reach it too."""

from dagster import DagsterRunStatus, DefaultSensorStatus, RunRequest, RunStatusSensorContext, run_status_sensor

from partitions import range_tags, tickers_partitions
from stratengine_assets.backtest.jobs import backtest_job
from stratengine_assets.portfolio.jobs import daily_update_job
from stratengine_assets.research.jobs import frac_diff_job


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[daily_update_job],
    request_jobs=[backtest_job, frac_diff_job],
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
)
def refresh_after_daily_update(context: RunStatusSensorContext) -> list[RunRequest]:
    """Per successful daily_update_job run: one backtest run, and one frac_diff run over every ticker partition."""
    run_id = context.dagster_run.run_id
    requests = [RunRequest(run_key=f"backtest-after-{run_id}", job_name=backtest_job.name)]
    tickers = context.instance.get_dynamic_partitions(tickers_partitions.name)  # in partition order
    if tickers:
        requests.append(
            RunRequest(
                run_key=f"frac-diff-after-{run_id}",
                job_name=frac_diff_job.name,
                tags=range_tags(tickers[0], tickers[-1]),
            )
        )
    return requests

"""The backtest refresh job, and strategy research on a weekly cadence: the in-sample grid, then out of sample."""

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

from stratengine_assets.backtest.backtest import backtest
from stratengine_assets.backtest.backtest_grid import backtest_grid
from stratengine_assets.backtest.oos_simulation import oos_simulation

RESEARCH_ASSETS = [backtest_grid, oos_simulation]  # tuning: weekly or on demand, not every day

backtest_job = define_asset_job("backtest_job", selection=AssetSelection.assets(backtest))
research_job = define_asset_job("research_job", selection=AssetSelection.assets(*RESEARCH_ASSETS))
# what an investor's "simulate out of sample" starts (the API launches it as a run of its own, named for it)
simulation_job = define_asset_job(
    "oos_simulation_job",
    selection=AssetSelection.assets(oos_simulation),
    description="Every strategy's selected in-sample run traded on the out-of-sample window",
)

research_schedule = ScheduleDefinition(
    name="research_schedule",
    job=research_job,
    cron_schedule="0 6 * * 6",
    execution_timezone="America/New_York",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Saturday 06:00 New York: re-tune every strategy's grid and re-run its out-of-sample simulation",
)

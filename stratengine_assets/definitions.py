"""The StratEngine code location: assets, checks, resources, jobs and schedules, assembled."""

from dagster import Definitions

from sensors import backtest_after_daily_update, backtest_job, daily_update_job, daily_update_schedule
from stratengine_assets.assets import ALL_ASSETS
from stratengine_assets.settings import build_resources

defs = Definitions(
    assets=ALL_ASSETS,
    resources=build_resources(),
    jobs=[daily_update_job, backtest_job],
    schedules=[daily_update_schedule],
    sensors=[backtest_after_daily_update],
)

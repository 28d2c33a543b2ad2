"""The StratEngine code location: assets, checks, resources, jobs and schedules, assembled."""

from dagster import Definitions

from sensors import JOBS, SCHEDULES, SENSORS
from stratengine_assets.assets import ALL_ASSETS, ASSET_CHECKS
from stratengine_assets.settings import build_resources

defs = Definitions(
    assets=ALL_ASSETS,
    asset_checks=ASSET_CHECKS,
    resources=build_resources(),
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
)

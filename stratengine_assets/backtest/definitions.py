"""Backtests: every strategy traded and measured, the in-sample grid and the out-of-sample simulation."""

from dagster import Definitions

from stratengine_assets.backtest.backtest import backtest
from stratengine_assets.backtest.backtest_grid import backtest_grid
from stratengine_assets.backtest.jobs import backtest_job, research_job, research_schedule, simulation_job
from stratengine_assets.backtest.oos_simulation import oos_simulation

defs = Definitions(
    assets=[backtest, backtest_grid, oos_simulation],
    jobs=[backtest_job, research_job, simulation_job],
    schedules=[research_schedule],
)

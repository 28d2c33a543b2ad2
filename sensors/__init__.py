"""Sensors and schedules that keep the warehouse current."""

from sensors.backtest_refresh import backtest_after_daily_update, backtest_job
from sensors.schedules import daily_update_job, daily_update_schedule

__all__ = ["backtest_after_daily_update", "backtest_job", "daily_update_job", "daily_update_schedule"]

"""Sensors and schedules that keep the warehouse current."""

from sensors.backtest_refresh import backtest_job, frac_diff_job, refresh_after_daily_update
from sensors.research import research_job, research_schedule
from sensors.schedules import daily_update_job, daily_update_schedule
from sensors.vendor_files import fundamentals_job, reference_job, vendor_file_sensor

JOBS = [daily_update_job, backtest_job, frac_diff_job, research_job, reference_job, fundamentals_job]
SCHEDULES = [daily_update_schedule, research_schedule]
SENSORS = [vendor_file_sensor, refresh_after_daily_update]

__all__ = ["JOBS", "SCHEDULES", "SENSORS", "daily_update_job", "vendor_file_sensor"]

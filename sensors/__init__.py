"""Sensors and schedules that keep the warehouse current."""

from sensors.schedules import daily_update_job, daily_update_schedule

__all__ = ["daily_update_job", "daily_update_schedule"]

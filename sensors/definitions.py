"""The sensors: new vendor files become runs; a successful daily update refreshes the backtest and frac_diff."""

from dagster import Definitions

from sensors.daily_refresh import refresh_after_daily_update
from sensors.vendor_files import vendor_file_sensor

defs = Definitions(sensors=[vendor_file_sensor, refresh_after_daily_update])

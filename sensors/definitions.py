"""The sensors: landed files, and whatever else is stale, become one asset backfill; failed runs, failed checks
and stale daily assets are posted to the alert webhook (default statuses: sensors/alerts.py)."""

from dagster import Definitions

from sensors.alerts import (
    failed_check_alert_on_failure,
    failed_check_alert_on_success,
    run_failure_alert,
    stale_data_alert,
)
from sensors.pipeline import pipeline_sensor

defs = Definitions(
    sensors=[
        pipeline_sensor,
        run_failure_alert,
        failed_check_alert_on_success,
        failed_check_alert_on_failure,
        stale_data_alert,
    ]
)

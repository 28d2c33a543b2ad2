"""The sensor: landed files, and whatever else is stale, become one asset backfill."""

from dagster import Definitions

from sensors.pipeline import pipeline_sensor

defs = Definitions(sensors=[pipeline_sensor])

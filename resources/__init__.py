"""Dagster resources: the warehouse (a DuckDB file or a DuckLake catalog), the landing zones, and the pipeline's
settings (S3LandingZone lives in resources.s3_landing_zone, imported only when a bucket is configured)."""

from resources.landing_zone import LandingZoneResource, LocalLandingZone
from resources.settings import PipelineSettings
from resources.warehouse import DuckDBWarehouseResource, DuckLakeWarehouseResource, WarehouseResource

__all__ = [
    "DuckDBWarehouseResource",
    "DuckLakeWarehouseResource",
    "LandingZoneResource",
    "LocalLandingZone",
    "PipelineSettings",
    "WarehouseResource",
]

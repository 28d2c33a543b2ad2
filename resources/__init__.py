"""Dagster resources: the warehouse, the landing zones, and the pipeline's settings (S3LandingZone lives in
resources.s3_landing_zone, imported only when a bucket is configured)."""

from resources.landing_zone import LandingZoneResource, LocalLandingZone
from resources.settings import PipelineSettings
from resources.warehouse import WarehouseResource

__all__ = ["LandingZoneResource", "LocalLandingZone", "PipelineSettings", "WarehouseResource"]

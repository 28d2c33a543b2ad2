"""Dagster resources: the warehouse, the landing zones, and the pipeline's settings."""

from resources.landing_zone import LandingZoneResource, LocalLandingZone
from resources.s3_landing_zone import S3LandingZone
from resources.settings import PipelineSettings
from resources.warehouse import WarehouseResource

__all__ = ["LandingZoneResource", "LocalLandingZone", "PipelineSettings", "S3LandingZone", "WarehouseResource"]

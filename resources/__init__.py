"""Dagster resources: the DuckDB warehouse, the landing zones and the vendor file layouts."""

from resources.landing_zone import LandingZoneResource, LocalLandingZone
from resources.s3_landing_zone import S3LandingZone
from resources.warehouse import WarehouseResource

__all__ = ["LandingZoneResource", "LocalLandingZone", "S3LandingZone", "WarehouseResource"]

"""Dagster resources: the DuckDB warehouse, the landing zone and the vendor file layouts."""

from resources.landing_zone import LandingZoneResource
from resources.warehouse import WarehouseResource

__all__ = ["LandingZoneResource", "WarehouseResource"]

"""Jobs the vendor file sensor starts for reference data."""

from dagster import AssetSelection, define_asset_job

from stratengine_assets.ingestion.fundamentals import fundamentals
from stratengine_assets.ingestion.securities import securities

reference_job = define_asset_job("reference_job", selection=AssetSelection.assets(securities))
fundamentals_job = define_asset_job("fundamentals_job", selection=AssetSelection.assets(fundamentals))

"""The job that refreshes every ticker's fractional differences."""

from dagster import AssetSelection, define_asset_job

from stratengine_assets.research.frac_diff import frac_diff

frac_diff_job = define_asset_job("frac_diff_job", selection=AssetSelection.assets(frac_diff))

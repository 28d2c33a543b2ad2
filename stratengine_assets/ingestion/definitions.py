"""Ingestion: vendor files to raw and validated prices, the security master and point-in-time fundamentals."""

from dagster import Definitions

from stratengine_assets.ingestion.corporate_actions import corporate_actions
from stratengine_assets.ingestion.fundamentals import fundamentals
from stratengine_assets.ingestion.jobs import fundamentals_job, reference_job
from stratengine_assets.ingestion.price_basis import price_basis
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.raw_prices import raw_prices
from stratengine_assets.ingestion.securities import securities

defs = Definitions(
    assets=[securities, fundamentals, corporate_actions, raw_prices, prices, price_basis],
    jobs=[reference_job, fundamentals_job],
)

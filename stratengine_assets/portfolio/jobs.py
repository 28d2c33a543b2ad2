"""The daily chain, vendor rows to target portfolios and their risk, as a job to launch from the UI.

Automation does not go through it: the pipeline sensor plans each asset's stale partitions (sensors/pipeline.py).
"""

from dagster import AssetSelection, define_asset_job

from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.raw_prices import raw_prices
from stratengine_assets.portfolio.portfolio_risk import portfolio_risk
from stratengine_assets.portfolio.target_portfolio import target_portfolio
from stratengine_assets.research.factor_evaluation import factor_evaluation
from stratengine_assets.research.factors import factors
from stratengine_assets.research.signals import signals
from stratengine_assets.research.universe import universe

DAILY_ASSETS = [raw_prices, prices, universe, factors, signals, factor_evaluation, target_portfolio, portfolio_risk]

daily_update_job = define_asset_job("daily_update_job", selection=AssetSelection.assets(*DAILY_ASSETS))

"""Portfolios: target weights per strategy, their risk, the investor's plan, the LEAN signal export, and the daily
job."""

from dagster import Definitions

from stratengine_assets.portfolio.investor_portfolio import investor_portfolio
from stratengine_assets.portfolio.jobs import daily_update_job
from stratengine_assets.portfolio.portfolio_risk import portfolio_risk
from stratengine_assets.portfolio.signal_export import signal_export
from stratengine_assets.portfolio.target_portfolio import target_portfolio

defs = Definitions(
    assets=[target_portfolio, portfolio_risk, investor_portfolio, signal_export],
    jobs=[daily_update_job],
)

"""The daily chain, vendor rows to target portfolios and their risk, and the evening schedule that runs it."""

from dagster import AssetSelection, RunRequest, ScheduleEvaluationContext, define_asset_job, schedule

from partitions import trading_day_partitions
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


@schedule(job=daily_update_job, cron_schedule="30 18 * * 1-5", execution_timezone="America/New_York")
def daily_update_schedule(context: ScheduleEvaluationContext):
    """18:30 New York on weekdays: materialize today's partition when today is a trading day."""
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    if not trading_day_partitions.has_partition_key(day):
        return []
    return RunRequest(run_key=day, partition_key=day)

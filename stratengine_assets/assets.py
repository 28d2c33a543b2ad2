"""Every asset of the code location, in pipeline order."""

from stratengine_assets.backtest.backtest import backtest
from stratengine_assets.backtest.grid import backtest_grid
from stratengine_assets.backtest.out_of_sample import oos_simulation
from stratengine_assets.ingestion.prices import prices, raw_prices
from stratengine_assets.ingestion.reference import fundamentals, securities
from stratengine_assets.portfolio.investor_portfolio import investor_portfolio
from stratengine_assets.portfolio.portfolio_risk import portfolio_risk
from stratengine_assets.portfolio.target_portfolio import target_portfolio
from stratengine_assets.research.factor_evaluation import factor_evaluation
from stratengine_assets.research.factors import factors
from stratengine_assets.research.fractional_diff import frac_diff
from stratengine_assets.research.point_in_time_check import signals_point_in_time
from stratengine_assets.research.signals import signals
from stratengine_assets.research.universe import universe

REFERENCE_ASSETS = [securities, fundamentals]
DAILY_ASSETS = [raw_prices, prices, universe, factors, signals, factor_evaluation, target_portfolio, portfolio_risk]
TICKER_ASSETS = [frac_diff]
RESEARCH_ASSETS = [backtest_grid, oos_simulation]  # tuning: weekly or on demand, not every day
ALL_ASSETS = [*REFERENCE_ASSETS, *DAILY_ASSETS, *TICKER_ASSETS, backtest, *RESEARCH_ASSETS, investor_portfolio]
ASSET_CHECKS = [signals_point_in_time]

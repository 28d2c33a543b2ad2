"""Research: the universe, factors, signals, their evaluation, fractional differences, the look-ahead guard."""

from dagster import Definitions

from stratengine_assets.research.factor_evaluation import factor_evaluation
from stratengine_assets.research.factors import factors
from stratengine_assets.research.frac_diff import frac_diff
from stratengine_assets.research.jobs import frac_diff_job
from stratengine_assets.research.point_in_time import signals_point_in_time
from stratengine_assets.research.signals import signals
from stratengine_assets.research.universe import universe

defs = Definitions(
    assets=[universe, factors, signals, factor_evaluation, frac_diff],
    asset_checks=[signals_point_in_time],
    jobs=[frac_diff_job],
)

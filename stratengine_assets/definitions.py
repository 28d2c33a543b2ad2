"""The StratEngine code location: each domain's definitions, the sensors and the resources, merged."""

from dagster import Definitions

import sensors.definitions as sensors
import stratengine_assets.backtest.definitions as backtest
import stratengine_assets.ingestion.definitions as ingestion
import stratengine_assets.portfolio.definitions as portfolio
import stratengine_assets.research.definitions as research
from resources.settings import build_resources

defs = Definitions.merge(
    ingestion.defs,
    research.defs,
    portfolio.defs,
    backtest.defs,
    sensors.defs,
    Definitions(resources=build_resources()),
)

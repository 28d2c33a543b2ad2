"""The asset graph of every domain, as Dagster resolves it: parents, children and their partition mappings."""

from __future__ import annotations

from functools import cache

from dagster import Definitions
from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

import stratengine_assets.backtest.definitions as backtest
import stratengine_assets.ingestion.definitions as ingestion
import stratengine_assets.portfolio.definitions as portfolio
import stratengine_assets.research.definitions as research
from resources.settings import build_resources


@cache
def asset_graph() -> AssetGraph:
    domains = [ingestion.defs, research.defs, portfolio.defs, backtest.defs]
    return Definitions.merge(*domains, Definitions(resources=build_resources())).resolve_asset_graph()

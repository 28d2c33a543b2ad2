"""universe: the investable names of each trading day, from data known that day."""

from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
)

from quant.calendar import sessions_around
from resources import PipelineSettings, WarehouseResource
from storage.warehouse import between
from stratengine_assets.common.partition_range import partition_dates, partition_days
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.windows import reads
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.securities import securities

ADV_WINDOW = 21


@trading_day_asset(
    group_name="research",
    kinds={"duckdb"},
    deps=[
        reads("universe", prices),
        AssetDep("price_basis", partition_mapping=AllPartitionMapping()),
        securities,
    ],
)
def universe(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Names in the security master passing price (as traded, where the name's basis is known), 21-day dollar
    volume and history filters that day. With no security master, or no price on the days, it fails and says which
    input is missing."""
    rules = settings.strategy_book().universe
    first, last = partition_dates(context)
    calendar = sessions_around(first, last, before=int(rules.history_window))
    with warehouse.session() as store:
        if not store.count("securities"):
            raise Failure("universe: the security master is empty: land securities/sp500_master/*.csv first")
        if not store.count("prices", between("date", first, last)):
            raise Failure(f"universe: no prices for {first.date()}..{last.date()}: land price files for those days")
        with store.transaction():
            store.build_universe(calendar, first, last, rules, ADV_WINDOW)
            settle(store, "universe", partition_days(context))
        names = list(store.count_by("universe", "date", between("date", first, last)).values())
    return MaterializeResult(
        metadata={
            "rows": sum(names),
            "dates": len(names),
            "min_names": min(names, default=0),
            "max_names": max(names, default=0),
        }
    )

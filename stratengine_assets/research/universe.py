"""universe: the investable names of each trading day, from data known that day."""

from dagster import AssetExecutionContext, MaterializeResult

from quant.calendar import sessions_around
from resources import PipelineSettings, WarehouseResource
from storage.warehouse import between
from stratengine_assets.common.partition_range import partition_dates
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.securities import securities

ADV_WINDOW = 21


@trading_day_asset(group_name="research", kinds={"duckdb"}, deps=[prices, securities])
def universe(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Names in the security master passing price, 21-day dollar volume and history filters that day."""
    rules = settings.strategy_book().universe
    first, last = partition_dates(context)
    calendar = sessions_around(first, last, before=int(rules.history_window))
    with warehouse.session() as store:
        store.build_universe(calendar, first, last, rules, ADV_WINDOW)
        names = list(store.count_by("universe", "date", between("date", first, last)).values())
    return MaterializeResult(
        metadata={
            "rows": sum(names),
            "dates": len(names),
            "min_names": min(names, default=0),
            "max_names": max(names, default=0),
        }
    )

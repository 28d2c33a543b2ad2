"""price_basis: each name's adjustment basis F (as-traded close / adjusted close) as runs of days."""

import pandas as pd
from dagster import (
    AllPartitionMapping,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    IdentityPartitionMapping,
    MaterializeResult,
    MetadataValue,
)

from quant.basis import SEGMENT_COLUMNS, basis_segments
from quant.calendar import trading_days
from resources import WarehouseResource
from resources.settings import calendar_start
from storage.models import PriceBasisModel
from storage.warehouse import Warehouse, isin
from stratengine_assets.common.checks import schema_check
from stratengine_assets.common.policies import ticker_asset
from stratengine_assets.common.staleness import mark, settle
from stratengine_assets.ingestion.corporate_actions import corporate_actions

SHOWN = 50
READERS = ("universe", "factors")  # trading-day assets that read F; marked here for the days whose F changed


def differing(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The segments in one set and not the other: where some name's F changed."""
    both = pd.concat([old[SEGMENT_COLUMNS], new[SEGMENT_COLUMNS]], ignore_index=True).astype({"ticker": str})
    both["first_date"] = pd.to_datetime(both["first_date"])
    both["last_date"] = pd.to_datetime(both["last_date"])
    return both.drop_duplicates(keep=False)


def mark_readers(store: Warehouse, changed: pd.DataFrame) -> int:
    """The reader days from the first day whose F changed to the newest price."""
    newest = store.span("prices", "date")[1]
    if changed.empty or newest is None:
        return 0
    since, tickers = pd.Timestamp(changed["first_date"].min()), sorted(set(changed["ticker"]))
    days = [str(d.date()) for d in trading_days(max(since, pd.Timestamp(calendar_start())), pd.Timestamp(newest))]
    reason = f"price basis of {len(tickers)} tickers changed ({', '.join(tickers[:3])}, ...)"
    return sum(mark(store, reader, days, reason) for reader in READERS)


@ticker_asset(
    group_name="ingestion",
    kinds={"duckdb", "numpy"},
    deps=[
        AssetDep("prices", partition_mapping=AllPartitionMapping()),
        AssetDep(corporate_actions, partition_mapping=IdentityPartitionMapping()),
    ],
    check_specs=[
        AssetCheckSpec(
            "price_basis_valid",
            asset="price_basis",
            blocking=True,
            description="every row passes PriceBasisModel (a positive factor over an ordered run of days)",
        ),
    ],
)
def price_basis(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """F = as-traded close / adjusted close for each name and day, stored as runs of days with one F: from the
    as-traded closes where every row of the name has one (the canonical layout), else from the name's corporate
    actions (every split and dividend). A name with neither has no basis: size, book_to_price and earnings_yield
    are not computed for it, and the metadata lists it with why."""
    keys = sorted(context.partition_keys)
    with warehouse.session() as store:
        closes = store.read("prices", isin("ticker", keys), columns=["date", "ticker", "close", "as_traded_close"])
        actions = store.read("corporate_actions", isin("ticker", keys))
        covered = set(store.read("actions_coverage", isin("ticker", keys), columns=["ticker"])["ticker"])
        segments, missing = basis_segments(closes, actions, covered)
        with store.transaction():
            old = store.read("price_basis", isin("ticker", keys))
            written = store.replace("price_basis", segments, isin("ticker", keys))
            marked = mark_readers(store, differing(old, segments))
            settle(store, "price_basis", keys)
        stored = store.read("price_basis", isin("ticker", keys))
    if missing:
        context.log.warning(f"{len(missing)} names have no price basis, e.g. {dict(list(missing.items())[:5])}")
    return MaterializeResult(
        metadata={
            "rows": written,
            "names_with_basis": int(segments["ticker"].nunique()),
            "names_by_source": MetadataValue.json(
                segments.groupby("source")["ticker"].nunique().to_dict() if len(segments) else {}
            ),
            "names_without_basis": len(missing),
            "without_basis": MetadataValue.json(dict(list(missing.items())[:SHOWN])),
            "reader_days_marked": marked,
        },
        check_results=[schema_check("price_basis_valid", PriceBasisModel, stored)],
    )

"""price_basis: each name's adjustment basis F (as-traded close / adjusted close) as runs of days."""

import numpy as np
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

from quant.basis import SEGMENT_COLUMNS, basis_segments_of_panel
from quant.calendar import trading_days
from resources import WarehouseResource
from resources.settings import calendar_start
from storage.models import PriceBasisModel
from storage.warehouse import Warehouse, isin
from stratengine_assets.common.checks import schema_check
from stratengine_assets.common.policies import ticker_asset
from stratengine_assets.common.price_panels import ticker_price_panels
from stratengine_assets.common.staleness import mark, settle
from stratengine_assets.common.ticker_range import partition_tickers
from stratengine_assets.ingestion.corporate_actions import corporate_actions

SHOWN = 50
READERS = ("universe", "factors")  # trading-day assets that read F; marked here for the days whose F changed


def first_change(old: pd.DataFrame, new: pd.DataFrame) -> pd.Timestamp | None:
    """The earliest day on which some name's F differs between two sets of segments (one set may lack the day):
    F is constant inside a segment, so it is enough to compare both at every segment's first day and the day after
    every segment's last. A daily file that only extends a name's last segment changes F from its own day on."""
    sides = [_dated(old), _dated(new)]
    both = pd.concat(sides, ignore_index=True)
    if both.empty:
        return None
    points = (
        pd.concat(
            [
                both[["ticker", "first_date"]].set_axis(["ticker", "point"], axis=1),
                both[["ticker"]].assign(point=both["last_date"] + pd.Timedelta(days=1)),
            ],
            ignore_index=True,
        )
        .drop_duplicates()
        .sort_values("point", kind="stable")
    )
    values = [_factor_at(side, points) for side in sides]
    differs = ~((values[0] == values[1]) | (np.isnan(values[0]) & np.isnan(values[1])))
    return pd.Timestamp(points["point"].to_numpy()[differs].min()) if differs.any() else None


def _dated(segments: pd.DataFrame) -> pd.DataFrame:
    return segments[["ticker", "first_date", "last_date", "factor"]].astype(
        {"ticker": str, "first_date": "datetime64[ns]", "last_date": "datetime64[ns]", "factor": "float64"}
    )


def _factor_at(segments: pd.DataFrame, points: pd.DataFrame) -> np.ndarray:
    """F of each (ticker, point) from the segment holding it (NaN outside every segment), in points' order."""
    if segments.empty:
        return np.full(len(points), np.nan)
    found = pd.merge_asof(
        points, segments.sort_values("first_date"), left_on="point", right_on="first_date", by="ticker"
    )
    inside = found["point"].to_numpy() <= found["last_date"].to_numpy()
    return np.where(inside, found["factor"].to_numpy(dtype=np.float64), np.nan)


def mark_readers(store: Warehouse, since: pd.Timestamp | None, tickers: list[str]) -> int:
    """The reader days from the first day whose F changed to the newest price."""
    newest = store.span("prices", "date")[1]
    if since is None or newest is None:
        return 0
    days = [str(d.date()) for d in trading_days(max(since, pd.Timestamp(calendar_start())), pd.Timestamp(newest))]
    reason = f"price basis changed from {since.date()} ({len(tickers)} tickers recomputed)"
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
    keys = partition_tickers(context)
    with warehouse.session() as store:
        days, tickers, (close, as_traded) = ticker_price_panels(store, keys, ["close", "as_traded_close"])
        actions = store.read("corporate_actions", isin("ticker", keys))
        covered = set(store.read("actions_coverage", isin("ticker", keys), columns=["ticker"])["ticker"])
        segments, missing = basis_segments_of_panel(days, tickers, close, as_traded, actions, covered)
        with store.transaction():
            old = store.read("price_basis", isin("ticker", keys))
            written = store.replace("price_basis", segments, isin("ticker", keys))
            marked = mark_readers(store, first_change(old[SEGMENT_COLUMNS], segments[SEGMENT_COLUMNS]), keys)
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

"""Factor exposures per trading day: raw values and winsorized z-scores across the universe."""

from collections.abc import Iterator

import numpy as np
import pandas as pd
from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from partitions.trading_calendar import shift_trading_days, trading_days
from resources import WarehouseResource
from resources.warehouse import append_rows, transaction
from stratengine_assets.calendar_sql import partition_dates
from stratengine_assets.research.factor_library import FACTORS, MAX_LOOKBACK, FactorInputs
from stratengine_assets.research.factor_math import (
    as_of,
    daily_returns,
    forward_fill,
    to_matrix,
    winsorized_zscores,
)
from stratengine_assets.research.universe import universe
from stratengine_assets.trading_day_asset import trading_day_asset

FUNDAMENTAL_MAX_AGE_DAYS = 550
PRICE_GAP_FILL_DAYS = 5
WARMUP_DAYS = 10


def load_inputs(
    conn, first: pd.Timestamp, last: pd.Timestamp
) -> tuple[pd.DatetimeIndex, pd.Index, FactorInputs, np.ndarray]:
    """Point-in-time matrices for the universe's names over [first - lookback, last], and membership."""
    days = trading_days(shift_trading_days(first, -(MAX_LOOKBACK + WARMUP_DAYS)), last)
    members = conn.execute("SELECT date, ticker FROM universe WHERE date BETWEEN ? AND ?", [first, last]).df()
    tickers = pd.Index(sorted(members["ticker"].unique()))
    conn.register("wanted", pd.DataFrame({"ticker": tickers.astype(object)}))
    closes = conn.execute(
        "SELECT date, ticker, close FROM prices JOIN wanted USING (ticker) WHERE date BETWEEN ? AND ?",
        [days[0], last],
    ).df()
    facts = conn.execute(
        "SELECT ticker, metric, period_end, known_at, value FROM fundamentals JOIN wanted USING (ticker) "
        "WHERE known_at <= ?",
        [last],
    ).df()
    close = forward_fill(to_matrix(closes, "close", days, tickers), limit=PRICE_GAP_FILL_DAYS)
    fundamentals = {
        metric: as_of(group, days, tickers, FUNDAMENTAL_MAX_AGE_DAYS) for metric, group in facts.groupby("metric")
    }
    membership = to_matrix(members.assign(member=1.0), "member", days, tickers) == 1.0
    return days, tickers, FactorInputs(close, daily_returns(close), fundamentals), membership


def factor_rows(
    days: pd.DatetimeIndex, tickers: pd.Index, inputs: FactorInputs, members: np.ndarray, first: pd.Timestamp
) -> Iterator[pd.DataFrame]:
    """Long rows (date, ticker, factor, raw_value, zscore) for members on days >= first, one factor at a time."""
    in_range = days >= first
    symbols = tickers.astype(str)
    for factor in FACTORS:
        raw = factor.compute(inputs)[in_range]
        z = winsorized_zscores(raw, members[in_range])
        row, col = np.nonzero(np.isfinite(z))
        yield pd.DataFrame(
            {
                "date": days[in_range][row],
                "ticker": pd.Categorical.from_codes(col, categories=symbols),
                "factor": factor.name,
                "raw_value": raw[row, col],
                "zscore": z[row, col],
            }
        )


@trading_day_asset(
    group_name="research",
    kinds={"duckdb", "numpy"},
    deps=[universe, "prices", AssetDep("fundamentals", partition_mapping=AllPartitionMapping())],
)
def factors(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Each factor per universe member and day: raw value and its 1%/99% winsorized cross-sectional z-score."""
    first, last = partition_dates(context)
    coverage = {}
    with warehouse.get_connection() as conn:
        days, tickers, inputs, members = load_inputs(conn, first, last)
        with transaction(conn):
            conn.execute("DELETE FROM factors WHERE date BETWEEN ? AND ?", [first, last])
            for rows in factor_rows(days, tickers, inputs, members, first):
                if len(rows):
                    coverage[rows["factor"].iloc[0]] = append_rows(conn, "factors", rows)
    return MaterializeResult(
        metadata={
            "rows": sum(coverage.values()),
            "names": len(tickers),
            "rows_by_factor": MetadataValue.json(coverage),
        }
    )

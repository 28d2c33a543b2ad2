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
from resources.warehouse import append_rows, member_of, transaction
from stratengine_assets.calendar_sql import partition_dates
from stratengine_assets.price_history import price_rows
from stratengine_assets.research.factor_library import FACTORS, FactorInputs, max_lookback
from stratengine_assets.research.factor_math import (
    as_of,
    daily_returns,
    forward_fill,
    sector_neutral,
    to_matrix,
    winsorized_zscores,
)
from stratengine_assets.research.universe import universe
from stratengine_assets.strategies import strategy_book
from stratengine_assets.trading_day_asset import trading_day_asset

FUNDAMENTAL_MAX_AGE_DAYS = 550
PRICE_GAP_FILL_DAYS = 5
WARMUP_DAYS = 10


def load_inputs(conn, first: pd.Timestamp, last: pd.Timestamp) -> tuple[pd.DatetimeIndex, pd.Index, FactorInputs]:
    """Point-in-time matrices for the universe's names over [first - lookback, last]."""
    days = trading_days(shift_trading_days(first, -(max_lookback() + WARMUP_DAYS)), last)
    universe_names = conn.execute("SELECT DISTINCT ticker FROM universe WHERE date BETWEEN ? AND ?", [first, last])
    tickers = pd.Index(sorted(universe_names.df()["ticker"]))
    bars = price_rows(conn, tickers, days[0], last, fields=("close", "dollar_volume"))
    facts = conn.execute(
        "SELECT ticker, metric, period_end, known_at, value FROM fundamentals "
        f"WHERE {member_of('ticker')} AND known_at <= ?",
        [list(tickers), last],
    ).df()
    benchmark = strategy_book().universe.benchmark
    reference = price_rows(conn, [benchmark], days[0], last)
    close = forward_fill(to_matrix(bars, "close", days, tickers), limit=PRICE_GAP_FILL_DAYS)
    benchmark_close = forward_fill(
        to_matrix(reference, "close", days, pd.Index([benchmark])), limit=PRICE_GAP_FILL_DAYS
    )
    fundamentals = {
        metric: as_of(group, days, tickers, FUNDAMENTAL_MAX_AGE_DAYS) for metric, group in facts.groupby("metric")
    }
    inputs = FactorInputs(
        close=close,
        returns=daily_returns(close),
        dollar_volume=to_matrix(bars, "dollar_volume", days, tickers),
        benchmark_close=benchmark_close[:, 0],
        benchmark_returns=daily_returns(benchmark_close)[:, 0],
        fundamentals=fundamentals,
    )
    return days, tickers, inputs


def membership(conn, days: pd.DatetimeIndex, tickers: pd.Index) -> np.ndarray:
    members = conn.execute(
        "SELECT date, ticker, 1.0 AS member FROM universe WHERE date BETWEEN ? AND ?", [days[0], days[-1]]
    ).df()
    return to_matrix(members, "member", days, tickers) == 1.0


def sector_codes(conn, tickers: pd.Index) -> np.ndarray:
    """An integer per ticker's GICS sector; names without one share a code of their own."""
    sectors = dict(conn.execute("SELECT ticker, coalesce(sector, '') FROM securities").fetchall())
    labels = pd.Series([sectors.get(t, "") for t in tickers], dtype="object")
    return pd.factorize(labels)[0]


def factor_rows(
    days: pd.DatetimeIndex,
    tickers: pd.Index,
    inputs: FactorInputs,
    members: np.ndarray,
    sectors: np.ndarray,
    first: pd.Timestamp,
) -> Iterator[pd.DataFrame]:
    """Long rows (date, ticker, factor, raw_value, zscore, sector_zscore) for members on days >= first."""
    in_range = days >= first
    symbols = tickers.astype(str)
    for definition in FACTORS:
        raw = definition.compute(inputs)[in_range]
        z = winsorized_zscores(raw, members[in_range])
        neutral = sector_neutral(z, sectors)
        row, col = np.nonzero(np.isfinite(z))
        yield pd.DataFrame(
            {
                "date": days[in_range][row],
                "ticker": pd.Categorical.from_codes(col, categories=symbols),
                "factor": definition.name,
                "raw_value": raw[row, col],
                "zscore": z[row, col],
                "sector_zscore": neutral[row, col],
            }
        )


@trading_day_asset(
    group_name="research",
    kinds={"duckdb", "numpy"},
    deps=[universe, "prices", AssetDep("fundamentals", partition_mapping=AllPartitionMapping())],
)
def factors(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Each factor per universe member and day: raw value, its 1%/99% winsorized cross-sectional z-score, and
    that z-score neutralized within GICS sectors."""
    first, last = partition_dates(context)
    coverage = {}
    with warehouse.get_connection() as conn:
        days, tickers, inputs = load_inputs(conn, first, last)
        members, sectors = membership(conn, days, tickers), sector_codes(conn, tickers)
        with transaction(conn):
            conn.execute("DELETE FROM factors WHERE date BETWEEN ? AND ?", [first, last])
            for rows in factor_rows(days, tickers, inputs, members, sectors, first):
                if len(rows):
                    coverage[rows["factor"].iloc[0]] = append_rows(conn, "factors", rows)
    return MaterializeResult(
        metadata={
            "rows": sum(coverage.values()),
            "names": len(tickers),
            "rows_by_factor": MetadataValue.json(coverage),
        }
    )

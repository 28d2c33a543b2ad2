"""factors: each factor's raw value, winsorized z-score and sector-neutral z-score per universe member and day."""

import numpy as np
import pandas as pd
import pyarrow as pa
from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
)

from quant.basis import basis_matrix, rebased_shares
from quant.calendar import shift_trading_days, trading_days
from quant.factors import FACTORS, FactorInputs
from quant.factors.math import sector_neutral, winsorized_zscores
from quant.factors.registry import SHARES_ON_PRICE_BASIS
from quant.fundamentals import MAX_AGE_DAYS, as_of
from quant.panel import daily_returns, forward_fill
from resources import PipelineSettings, WarehouseResource
from storage.schema import factor_column
from storage.warehouse import Warehouse, at_most, between, isin
from stratengine_assets.common.partition_range import partition_dates, partition_days
from stratengine_assets.common.policies import trading_day_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.windows import FACTOR_HISTORY, reads
from stratengine_assets.ingestion.securities import securities
from stratengine_assets.research.universe import universe

PRICE_GAP_FILL_DAYS = 5
SHOWN_NAMES = 50


def load_inputs(
    store: Warehouse, first: pd.Timestamp, last: pd.Timestamp, benchmark: str
) -> tuple[pd.DatetimeIndex, pd.Index, FactorInputs]:
    """Point-in-time matrices for the universe's names over [first - lookback, last]."""
    days = trading_days(shift_trading_days(first, -FACTOR_HISTORY), last)
    tickers = pd.Index(store.distinct("universe", ["ticker"], between("date", first, last))["ticker"])
    facts = store.read(
        "fundamentals",
        isin("ticker", tickers),
        at_most("known_at", last),
        columns=["ticker", "metric", "period_end", "known_at", "value"],
    )
    segments = store.read("price_basis", isin("ticker", tickers))
    shares = rebased_shares(facts, segments).assign(metric=SHARES_ON_PRICE_BASIS)
    close = forward_fill(store.read_panel("prices", "close", days, tickers), limit=PRICE_GAP_FILL_DAYS)
    benchmark_close = forward_fill(
        store.read_panel("prices", "close", days, pd.Index([benchmark])), limit=PRICE_GAP_FILL_DAYS
    )
    inputs = FactorInputs(
        close=close,
        returns=daily_returns(close),
        dollar_volume=store.read_panel("prices", "dollar_volume", days, tickers),
        benchmark_close=benchmark_close[:, 0],
        benchmark_returns=daily_returns(benchmark_close)[:, 0],
        fundamentals={
            metric: as_of(group, days, tickers, MAX_AGE_DAYS)
            for metric, group in pd.concat([facts, shares], ignore_index=True).groupby("metric")
        },
        basis=forward_fill(basis_matrix(segments, days, tickers), limit=PRICE_GAP_FILL_DAYS),
    )
    return days, tickers, inputs


def sector_codes(store: Warehouse, tickers: pd.Index) -> np.ndarray:
    """An integer per ticker's GICS sector; names without one share a code of their own."""
    rows = store.read("securities", columns=["ticker", "sector"])
    sectors = dict(zip(rows["ticker"], rows["sector"].fillna(""), strict=True))
    labels = pd.Series([sectors.get(t, "") for t in tickers], dtype="object")
    return pd.factorize(labels)[0]


def factor_table(
    days: pd.DatetimeIndex,
    tickers: pd.Index,
    inputs: FactorInputs,
    members: np.ndarray,
    sectors: np.ndarray,
    first: pd.Timestamp,
) -> tuple[pa.Table, dict[str, int]]:
    """One row per universe member and day >= first: date, ticker and each factor's raw value, winsorized z-score
    and sector-neutral z-score (all three NULL where the member has no z-score); and how many z-scores each factor
    has. An Arrow table: 42 float columns in a pandas frame would be copied into one block first."""
    in_range = days >= first
    held = members[in_range]
    row, col = np.nonzero(held)
    table = {
        "date": pa.array(days[in_range].values.astype("datetime64[D]")).take(row),
        "ticker": pa.DictionaryArray.from_arrays(col.astype(np.int32), pa.array(tickers.astype(str))),
    }
    coverage = {}
    for definition in FACTORS:
        raw = definition.compute(inputs)[in_range]
        z = winsorized_zscores(raw, held)
        known = np.isfinite(z[row, col])
        scores = {"raw_value": raw, "zscore": z, "sector_zscore": sector_neutral(z, sectors)}
        for score, values in scores.items():
            cells = np.where(known, values[row, col], np.nan)
            table[factor_column(definition.name, score)] = pa.array(cells, mask=~np.isfinite(cells))
        coverage[definition.name] = int(known.sum())
    return pa.table(table), coverage


def write_factors(
    store: Warehouse, first: pd.Timestamp, last: pd.Timestamp, benchmark: str
) -> tuple[int, dict[str, int], list[str], int]:
    """Compute and append the factors of [first, last]: the rows written, the z-scores per factor, the names
    without a price basis and how many names."""
    days, tickers, inputs = load_inputs(store, first, last, benchmark)
    members = np.isfinite(store.read_panel("universe", "close", days, tickers))
    table, coverage = factor_table(days, tickers, inputs, members, sector_codes(store, tickers), first)
    if len(table):
        store.append("factors", table)
    unbased = [str(t) for t in tickers[~np.isfinite(inputs.basis[days >= first]).any(axis=0)]]
    return len(table), coverage, unbased, len(tickers)


@trading_day_asset(
    group_name="research",
    kinds={"duckdb", "numpy"},
    in_pieces=True,
    deps=[
        universe,
        reads("factors", "prices"),
        AssetDep("fundamentals", partition_mapping=AllPartitionMapping()),
        AssetDep("price_basis", partition_mapping=AllPartitionMapping()),
        securities,
    ],
)
def factors(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Each factor per universe member and day: raw value, its 1%/99% winsorized cross-sectional z-score, and
    that z-score neutralized within GICS sectors. A long run builds STRATENGINE_PASS_SESSIONS days a pass, each
    pass committed and settled with its rows (a crash keeps the passes done)."""
    first, last = partition_dates(context)
    benchmark = settings.strategy_book().universe.benchmark
    with warehouse.session() as store, store.transaction():
        store.delete("factors", between("date", first, last))
        rows, coverage, unbased, names = write_factors(store, first, last, benchmark)
        if rows and not any(coverage.values()):
            raise Failure(f"factors: {rows:,} universe rows in {first.date()}..{last.date()} but no factor value")
        settle(store, "factors", partition_days(context))
    return MaterializeResult(
        metadata={
            "rows": rows,
            "names": names,
            "values_by_factor": MetadataValue.json(coverage),
            "names_without_price_basis": len(unbased),
            "without_price_basis": MetadataValue.md(
                f"size, book_to_price and earnings_yield not computed (adjusted prices only, no corporate "
                f"actions): {', '.join(unbased[:SHOWN_NAMES])}{' ...' if len(unbased) > SHOWN_NAMES else ''}"
                if unbased
                else "none"
            ),
        }
    )

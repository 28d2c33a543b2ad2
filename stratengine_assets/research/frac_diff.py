"""frac_diff: fractionally differentiated log prices per ticker, stationary series that keep memory of the level."""

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from dagster import (
    AllPartitionMapping,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from quant.fracdiff import differentiate, fixed_d, memory_kept, observations, searched_d
from resources import PipelineSettings, WarehouseResource
from resources.settings import compute_threads
from storage.models import FracDiffModel
from storage.warehouse import isin
from stratengine_assets.common.checks import stored_check
from stratengine_assets.common.policies import ticker_asset
from stratengine_assets.common.price_panels import ticker_price_panels
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.threads import ordered_map
from stratengine_assets.common.ticker_range import partition_tickers

PER_TICKER_METADATA = 10
SHOWN_SKIPS = 100
BLOCKS_PER_THREAD = 2  # ticker blocks a thread takes in turn: a block's search stops when its last d is found


def summary_metadata(tickers: pd.Index, chosen: np.ndarray, widths: np.ndarray, corr: np.ndarray) -> dict:
    """d, width and memory kept per ticker when few were written, else their distribution."""
    done = np.isfinite(chosen)
    if not done.any():
        return {}
    if done.sum() <= PER_TICKER_METADATA:
        metadata = {}
        for ticker, d, width, c in zip(tickers[done], chosen[done], widths[done], corr[done], strict=True):
            metadata |= {f"{ticker}/d": float(d), f"{ticker}/width": int(width), f"{ticker}/memory_corr": float(c)}
        return metadata
    return {
        "d_min": float(chosen[done].min()),
        "d_median": float(np.median(chosen[done])),
        "d_max": float(chosen[done].max()),
        "width_median": float(np.median(widths[done])),
        "width_max": int(widths[done].max()),
        "memory_corr_median": float(np.nanmedian(corr[done])),
        "memory_corr_min": float(np.nanmin(corr[done])),
    }


@dataclass(frozen=True)
class Differenced:
    """One block of tickers: each one's d (NaN where skipped) and window width, the skips with why, and the
    (observation x ticker) differentiated series."""

    columns: np.ndarray
    chosen: np.ndarray
    widths: np.ndarray
    skipped: dict[str, str]
    diffed: np.ndarray


def difference_block(
    tickers: pd.Index, matrix: np.ndarray, lengths: np.ndarray, columns: np.ndarray, d: float | None, threshold: float
) -> Differenced:
    """d (fixed, or the searched minimum) and the differentiated series of the tickers at `columns`: each column's
    result is its own, whichever columns share the block."""
    block, names, counts = matrix[:, columns], tickers[columns], lengths[columns]
    if d is None:
        chosen, skipped, _ = searched_d(names, block, counts, threshold)
    else:
        chosen, skipped = fixed_d(names, counts, d, threshold)
    diffed, widths = differentiate(block, chosen, threshold)
    return Differenced(columns, chosen, widths, skipped, diffed)


def difference_all(
    tickers: pd.Index, matrix: np.ndarray, lengths: np.ndarray, d: float | None, threshold: float
) -> Differenced:
    """difference_block over every ticker, in blocks on STRATENGINE_COMPUTE_THREADS threads (the FFTs, the batched
    ADF regressions and the window products are numpy's, without the GIL)."""
    blocks = [c for c in np.array_split(np.arange(len(tickers)), BLOCKS_PER_THREAD * compute_threads()) if len(c)]
    parts = list(ordered_map(lambda c: difference_block(tickers, matrix, lengths, c, d, threshold), blocks))
    diffed = np.full(matrix.shape, np.nan)
    chosen, widths, skipped = np.full(len(tickers), np.nan), np.zeros(len(tickers), dtype=np.int64), {}
    for part in parts:
        diffed[:, part.columns], chosen[part.columns], widths[part.columns] = part.diffed, part.chosen, part.widths
        skipped |= part.skipped
    return Differenced(np.arange(len(tickers)), chosen, widths, skipped, diffed)


def frac_diff_table(days: pd.DatetimeIndex, tickers: pd.Index, day: np.ndarray, done: Differenced) -> pa.Table:
    """Rows (ticker, date, d, width, value) of every finite differentiated value, as an Arrow table."""
    position, col = np.nonzero(np.isfinite(done.diffed))
    return pa.table(
        {
            "ticker": pa.DictionaryArray.from_arrays(col.astype(np.int32), pa.array(tickers.astype(str))),
            "date": pa.array(days.values.astype("datetime64[D]")).take(day[position, col]),
            "d": done.chosen[col],
            "width": done.widths[col].astype(np.int32),
            "value": done.diffed[position, col],
        }
    )


def _log_skips(context: AssetExecutionContext, skipped: dict[str, str]) -> dict[str, str]:
    shown = dict(sorted(skipped.items())[:SHOWN_SKIPS])
    for ticker, reason in shown.items():
        context.log.warning(f"frac_diff skips {ticker}: {reason}")
    if len(skipped) > len(shown):
        context.log.warning(f"frac_diff skips {len(skipped)} tickers in all; the first {len(shown)} are listed")
    return shown


@ticker_asset(
    group_name="research",
    kinds={"duckdb", "numpy"},
    deps=[AssetDep("prices", partition_mapping=AllPartitionMapping())],
    check_specs=[
        AssetCheckSpec(
            "frac_diff_valid",
            asset="frac_diff",
            blocking=True,
            description="every written row passes FracDiffModel (d in [0, 1], one row per ticker and date)",
        ),
    ],
)
def frac_diff(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Log closes fractionally differentiated over each ticker's full history (fixed-width window, AFML ch. 5).

    d is STRATENGINE_FRACDIFF_D, or with "auto" (the default) the smallest of 0, 0.05, ..., 1 whose series passes
    the ADF test; the window is cut where |weight| < STRATENGINE_FRACDIFF_THRESHOLD. A ticker's series is its own
    price rows in date order (a missing day is skipped, not filled).
    """
    keys = partition_tickers(context)
    d, threshold = settings.fixed_fracdiff_d(), settings.checked_fracdiff_threshold()
    with warehouse.session() as store:
        days, tickers, (close,) = ticker_price_panels(store, keys, ["close"])
    matrix, day, lengths = observations(close)
    started = time.perf_counter()
    done = difference_all(tickers, matrix, lengths, d, threshold)
    if d is None and len(tickers):
        context.log.info(f"d search and differencing: {(time.perf_counter() - started) / len(tickers):.4f} s a ticker")
    skipped = done.skipped | {t: "no prices" for t in sorted(set(keys) - set(tickers))}
    shown = _log_skips(context, skipped)
    with warehouse.session() as store:
        with store.transaction():
            written = store.replace("frac_diff", frac_diff_table(days, tickers, day, done), isin("ticker", keys))
            settle(store, "frac_diff", keys)
        valid = stored_check("frac_diff_valid", store, "frac_diff", FracDiffModel, isin("ticker", keys))
    return MaterializeResult(
        metadata={
            "rows": written,
            "tickers": len(keys),
            "tickers_written": int(np.isfinite(done.chosen).sum()),
            "skipped": MetadataValue.json(shown),
            "skipped_count": len(skipped),
            "d_setting": "auto" if d is None else str(d),
            "threshold": threshold,
            **summary_metadata(tickers, done.chosen, done.widths, memory_kept(done.diffed, matrix)),
        },
        check_results=[valid],
    )

"""frac_diff: fractionally differentiated log prices per ticker, stationary series that keep memory of the level."""

import time

import numpy as np
import pandas as pd
from dagster import (
    AllPartitionMapping,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from quant.fracdiff import differentiate, fixed_d, memory_kept, observation_matrix, searched_d
from resources import PipelineSettings, WarehouseResource
from storage.models import FracDiffModel
from storage.warehouse import isin
from stratengine_assets.common.checks import stored_check
from stratengine_assets.common.policies import ticker_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.ticker_range import partition_tickers

PER_TICKER_METADATA = 10
SHOWN_SKIPS = 100


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


def choose_d(
    context: AssetExecutionContext,
    tickers: pd.Index,
    matrix: np.ndarray,
    lengths: np.ndarray,
    d: float | None,
    threshold: float,
) -> tuple[np.ndarray, dict[str, str]]:
    """Each ticker's d, fixed or searched (the search's speed logged), and the tickers skipped with why."""
    if d is not None:
        return fixed_d(tickers, lengths, d, threshold)
    started = time.perf_counter()
    chosen, skipped, searched = searched_d(tickers, matrix, lengths, threshold)
    if searched:
        context.log.info(f"d search: {(time.perf_counter() - started) / searched:.4f} s per ticker over {searched}")
    return chosen, skipped


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
        rows = store.read(
            "prices", isin("ticker", keys), columns=["ticker", "date", "close"], order_by=["ticker", "date"]
        )
    tickers, matrix, position, codes = observation_matrix(rows)
    lengths = np.bincount(codes, minlength=len(tickers))
    chosen, skipped = choose_d(context, tickers, matrix, lengths, d, threshold)
    skipped |= {t: "no prices" for t in sorted(set(keys) - set(tickers))}
    shown = _log_skips(context, skipped)
    diffed, widths = differentiate(matrix, chosen, threshold)
    values = diffed[position, codes]
    keep = np.isfinite(values)
    table = pd.DataFrame(
        {
            "ticker": np.asarray(tickers, dtype=object)[codes[keep]],
            "date": rows["date"].to_numpy()[keep],
            "d": chosen[codes[keep]],
            "width": widths[codes[keep]],
            "value": values[keep],
        }
    )
    with warehouse.session() as store:
        with store.transaction():
            written = store.replace("frac_diff", table, isin("ticker", keys))
            settle(store, "frac_diff", keys)
        valid = stored_check("frac_diff_valid", store, "frac_diff", FracDiffModel, isin("ticker", keys))
    return MaterializeResult(
        metadata={
            "rows": written,
            "tickers": len(keys),
            "tickers_written": int(np.isfinite(chosen).sum()),
            "skipped": MetadataValue.json(shown),
            "skipped_count": len(skipped),
            "d_setting": "auto" if d is None else str(d),
            "threshold": threshold,
            **summary_metadata(tickers, chosen, widths, memory_kept(diffed, matrix)),
        },
        check_results=[valid],
    )

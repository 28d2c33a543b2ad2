"""Fractionally differentiated log prices per ticker: stationary series that keep memory of the price level."""

import time

import numpy as np
import pandas as pd
from dagster import (
    AllPartitionMapping,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from partitions import tickers_partitions
from resources import WarehouseResource
from resources.warehouse import member_of, replace_slice, transaction
from resources.warehouse_models import FracDiffModel
from stratengine_assets.research.fracdiff import (
    ADF_PVALUE,
    DEFAULT_THRESHOLD,
    MIN_VALUES,
    fracdiff,
    fracdiff_weights,
    minimum_d,
)
from stratengine_assets.settings import env_or_default
from stratengine_assets.table_checks import schema_check

TICKER_SLICE = member_of("ticker")
PRICES_SQL = f"SELECT ticker, date, close FROM prices WHERE {TICKER_SLICE} ORDER BY ticker, date"
PER_TICKER_METADATA = 10
SHOWN_SKIPS = 100


def configured_d() -> float | None:
    """STRATENGINE_FRACDIFF_D: a fixed d in [0, 1], or None for "auto" (the smallest d passing ADF, per ticker)."""
    raw = str(env_or_default("STRATENGINE_FRACDIFF_D", "auto", direct=True)).strip()
    if raw.lower() == "auto":
        return None
    d = float(raw)
    if not 0 <= d <= 1:
        raise ValueError(f"STRATENGINE_FRACDIFF_D must be 'auto' or a number in [0, 1], got {raw!r}")
    return d


def configured_threshold() -> float:
    """STRATENGINE_FRACDIFF_THRESHOLD: the |weight| below which the window is cut."""
    threshold = float(env_or_default("STRATENGINE_FRACDIFF_THRESHOLD", str(DEFAULT_THRESHOLD), direct=True))
    if not 0 < threshold < 1:
        raise ValueError(f"STRATENGINE_FRACDIFF_THRESHOLD must be in (0, 1), got {threshold}")
    return threshold


def observation_matrix(rows: pd.DataFrame) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """Tickers, (observation x ticker) log closes NaN after a history ends, and each row's observation and column."""
    codes, tickers = pd.factorize(rows["ticker"], sort=True)
    position = rows.groupby(codes, sort=False).cumcount().to_numpy()
    matrix = np.full((int(position.max(initial=-1)) + 1, len(tickers)), np.nan)
    close = rows["close"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        matrix[position, codes] = np.where(close > 0, np.log(close), np.nan)
    return tickers, matrix, position, codes


def fixed_d(tickers: pd.Index, lengths: np.ndarray, d: float, threshold: float) -> tuple[np.ndarray, dict[str, str]]:
    """The configured d for every ticker with enough history for its window (NaN for the others), and the skips."""
    needed = len(fracdiff_weights(d, threshold)) - 1 + MIN_VALUES
    short = lengths < needed
    reason = f"fewer than the {needed} prices needed"
    skipped = {t: f"{n} prices, {reason}" for t, n in zip(tickers[short], lengths[short], strict=True)}
    return np.where(short, np.nan, d), skipped


def searched_d(
    context: AssetExecutionContext, tickers: pd.Index, matrix: np.ndarray, lengths: np.ndarray, threshold: float
) -> tuple[np.ndarray, dict[str, str]]:
    """Per ticker the smallest candidate d passing ADF (NaN where none does or history is short), and the skips."""
    chosen, skipped, searched = np.full(len(tickers), np.nan), {}, 0
    started = time.perf_counter()
    for i, (ticker, n) in enumerate(zip(tickers, lengths, strict=True)):
        if n < MIN_VALUES + 1:
            skipped[ticker] = f"{n} prices, fewer than the {MIN_VALUES + 1} prices needed"
            continue
        searched += 1
        found = minimum_d(matrix[:n, i], threshold=threshold, pvalue=ADF_PVALUE)
        if found is None:
            skipped[ticker] = f"no candidate d passes the ADF test at p < {ADF_PVALUE}"
        else:
            chosen[i] = found
    if searched:
        context.log.info(f"d search: {(time.perf_counter() - started) / searched:.4f} s per ticker over {searched}")
    return chosen, skipped


def differentiate(matrix: np.ndarray, chosen: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Every column differentiated with its d, one vectorized call per distinct d; and the window widths."""
    out = np.full(matrix.shape, np.nan)
    widths = np.zeros(len(chosen), dtype=np.int64)
    for d in np.unique(chosen[np.isfinite(chosen)]):
        columns = np.flatnonzero(chosen == d)
        out[:, columns] = fracdiff(matrix[:, columns], d, threshold)
        widths[columns] = len(fracdiff_weights(d, threshold))
    return out, widths


def memory_kept(diffed: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Per column, the correlation of the differentiated series with the level where both exist."""
    both = np.isfinite(diffed) & np.isfinite(levels)
    n = both.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(both, diffed - np.where(both, diffed, 0).sum(axis=0) / n, 0)
        y = np.where(both, levels - np.where(both, levels, 0).sum(axis=0) / n, 0)
        return (x * y).sum(axis=0) / np.sqrt((x * x).sum(axis=0) * (y * y).sum(axis=0))


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


@asset(
    partitions_def=tickers_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool="duckdb",
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
def frac_diff(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Log closes fractionally differentiated over each ticker's full history (fixed-width window, AFML ch. 5).

    d is STRATENGINE_FRACDIFF_D, or with "auto" (the default) the smallest of 0, 0.05, ..., 1 whose series passes
    the ADF test; the window is cut where |weight| < STRATENGINE_FRACDIFF_THRESHOLD. A ticker's series is its own
    price rows in date order (a missing day is skipped, not filled).
    """
    keys = sorted(context.partition_keys)
    d, threshold = configured_d(), configured_threshold()
    with warehouse.get_connection() as conn:
        rows = conn.execute(PRICES_SQL, [keys]).df()
    tickers, matrix, position, codes = observation_matrix(rows)
    lengths = np.bincount(codes, minlength=len(tickers))
    if d is None:
        chosen, skipped = searched_d(context, tickers, matrix, lengths, threshold)
    else:
        chosen, skipped = fixed_d(tickers, lengths, d, threshold)
    skipped |= {t: "no prices" for t in sorted(set(keys) - set(tickers))}
    shown = dict(sorted(skipped.items())[:SHOWN_SKIPS])
    for ticker, reason in shown.items():
        context.log.warning(f"frac_diff skips {ticker}: {reason}")
    if len(skipped) > len(shown):
        context.log.warning(f"frac_diff skips {len(skipped)} tickers in all; the first {len(shown)} are listed")
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
    with warehouse.get_connection() as conn, transaction(conn):
        written = replace_slice(conn, "frac_diff", table, TICKER_SLICE, [keys])
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
        check_results=[schema_check("frac_diff_valid", FracDiffModel, table)],
    )

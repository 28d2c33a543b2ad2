"""frac_diff: fractionally differentiated log prices per ticker, stationary series that keep memory of the level."""

import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from dagster import (
    AllPartitionMapping,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from quant.calendar import trading_days
from quant.fracdiff import memory_kept
from resources import PipelineSettings, WarehouseResource
from storage.models import FracDiffModel
from storage.warehouse import Warehouse, at_least, isin
from stratengine_assets.common.checks import stored_check
from stratengine_assets.common.policies import ticker_asset
from stratengine_assets.common.staleness import settle
from stratengine_assets.common.ticker_range import partition_tickers
from stratengine_assets.research.frac_diff_work import (
    Differenced,
    History,
    extendable,
    extended,
    merged,
    recompute,
    state_table,
    tail_start,
    value_table,
    window_short,
)

PER_TICKER_METADATA = 10
SHOWN_SKIPS = 100


def kept_memory(history: History, done: Differenced, whole: np.ndarray) -> np.ndarray:
    """Per ticker the correlation of its series with the level, for the series computed whole (NaN for the others)."""
    corr = np.full(len(history.tickers), np.nan)
    corr[whole] = memory_kept(done.diffed[:, whole], history.matrix[:, whole])
    return corr


def first_day(values: pa.Table) -> pd.Timestamp:
    return pd.Timestamp(pc.min(values["date"]).as_py())


def summary_metadata(tickers: pd.Index, chosen: np.ndarray, widths: np.ndarray, corr: np.ndarray) -> dict:
    """d, width and memory kept per ticker when few were written, else their distribution."""
    done = np.isfinite(chosen)
    if not done.any():
        return {}
    if done.sum() <= PER_TICKER_METADATA:
        metadata = {}
        for ticker, d, width, c in zip(tickers[done], chosen[done], widths[done], corr[done], strict=True):
            metadata |= {f"{ticker}/d": float(d), f"{ticker}/width": int(width)}
            metadata |= {f"{ticker}/memory_corr": float(c)} if np.isfinite(c) else {}
        return metadata
    return {
        "d_min": float(chosen[done].min()),
        "d_median": float(np.median(chosen[done])),
        "d_max": float(chosen[done].max()),
        "width_median": float(np.median(widths[done])),
        "width_max": int(widths[done].max()),
    } | (
        {"memory_corr_median": float(np.nanmedian(corr[done])), "memory_corr_min": float(np.nanmin(corr[done]))}
        if np.isfinite(corr[done]).any()
        else {}
    )


def _log_skips(context: AssetExecutionContext, skipped: dict[str, str]) -> dict[str, str]:
    shown = dict(sorted(skipped.items())[:SHOWN_SKIPS])
    for ticker, reason in shown.items():
        context.log.warning(f"frac_diff skips {ticker}: {reason}")
    if len(skipped) > len(shown):
        context.log.warning(f"frac_diff skips {len(skipped)} tickers in all; the first {len(shown)} are listed")
    return shown


def read_history(
    store: Warehouse,
    keys: list[str],
    state: pd.DataFrame,
    held: pd.DataFrame,
    stored: pd.Series,
    setting: tuple[float | None, float],
) -> tuple[History, np.ndarray, pd.DataFrame]:
    """The keys' price history, which tickers are extended, and their prices' fingerprints now. When every ticker is
    extended only the sessions their windows reach back to are read (a day's update reads about a fifth of ten
    years), else, or when a ticker with gaps falls short there, the whole history."""
    now = store.price_fingerprints(pd.DataFrame({"ticker": keys, "through": pd.Timestamp.max.normalize()}))
    now = now[now["rows"] > 0].set_index("ticker")  # every priced ticker, its rows and days: no second scan for them
    tickers, last_days = pd.Index(now.index), pd.DatetimeIndex(now["last_date"])
    grow = extendable(tickers, last_days, state, held, stored, *setting)
    for since in dict.fromkeys([tail_start(tickers, last_days, state, grow), None]):
        days = trading_days(since or now["first_date"].min(), last_days.max()) if len(tickers) else last_days
        close = store.read_panel("prices", "close", days, tickers)
        history = History.of(days, tickers, close, now["rows"].to_numpy(), last_days)
        if since is None or not window_short(history, state):
            break
    return history, grow, now.reset_index()


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
    the ADF test on the ticker's history before the month of its latest price (d is chosen afresh once a month);
    the window is cut where |weight| < STRATENGINE_FRACDIFF_THRESHOLD. A ticker's series is its own price rows in
    date order (a missing day is skipped, not filled). A new day within a month only appends the ticker's new
    values; a restated price, a new month or a new setting recomputes it whole (research/frac_diff_work.py).
    """
    keys = partition_tickers(context)
    d, threshold = settings.fixed_fracdiff_d(), settings.checked_fracdiff_threshold()
    with warehouse.session() as store:
        state = store.read("frac_diff_state", isin("ticker", keys))
        held = store.price_fingerprints(state[["ticker", "last_date"]].set_axis(["ticker", "through"], axis=1))
        stored = pd.Series(store.count_by("frac_diff", "ticker", isin("ticker", keys)), dtype="int64")
        history, grow, fingerprints = read_history(store, keys, state, held, stored, (d, threshold))
    tickers = history.tickers
    started = time.perf_counter()
    redo = recompute(history, np.flatnonzero(~grow), d, threshold)
    done = merged(redo, extended(history, np.flatnonzero(grow), state, threshold), np.flatnonzero(grow))
    if (~grow).any():
        seconds = (time.perf_counter() - started) / len(tickers)
        context.log.info(f"{(~grow).sum()} tickers recomputed, {grow.sum()} extended: {seconds:.4f} s a ticker")
    skipped = done.skipped | {t: "no prices" for t in sorted(set(keys) - set(tickers))}
    shown = _log_skips(context, skipped)
    gone = [str(t) for t in tickers[~grow]] + sorted(set(keys) - set(tickers))
    with warehouse.session() as store:
        values = value_table(history, done)
        with store.transaction():
            store.delete("frac_diff", isin("ticker", gone))
            written = store.append("frac_diff", values) if len(values) else 0
            rows = pd.Series(store.count_by("frac_diff", "ticker", isin("ticker", keys)), dtype="int64")
            store.replace("frac_diff_state", state_table(history, done, fingerprints, rows), isin("ticker", keys))
            settle(store, "frac_diff", keys)
        only_new = [] if (~grow).any() or not written else [at_least("date", first_day(values))]
        valid = stored_check("frac_diff_valid", store, "frac_diff", FracDiffModel, isin("ticker", keys), *only_new)
    return MaterializeResult(
        metadata={
            "rows": written,
            "tickers": len(keys),
            "tickers_written": int(np.isfinite(done.chosen).sum()),
            "tickers_recomputed": int((~grow).sum()),
            "tickers_extended": int(grow.sum()),
            "sessions_read": len(history.days),
            "skipped": MetadataValue.json(shown),
            "skipped_count": len(skipped),
            "d_setting": "auto" if d is None else str(d),
            "threshold": threshold,
            **summary_metadata(tickers, done.chosen, done.widths, kept_memory(history, done, ~grow)),
        },
        check_results=[valid],
    )

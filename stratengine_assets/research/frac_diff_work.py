"""What a frac_diff run computes, ticker by ticker: the whole series again, or only the days it lacks.

A ticker's d is searched on its history before the month of its latest price (quant.fracdiff.search_before), so a
new day within a month changes neither its d nor any value before the day. Such a ticker is extended: the values of
its new days are computed from the window before them and appended. A ticker is recomputed whole when its prices
up to the stored series' last day changed (a restatement: their checksum differs from the one stored with the
series), when its search would see more history (a new month), when the configured d or threshold changed, or
when it has no stored series with a d.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from quant.calendar import shift_trading_days
from quant.fracdiff import differentiate, extend, fixed_d, fracdiff_weights, observations, search_before, searched_d
from resources.settings import compute_threads
from stratengine_assets.common.threads import ordered_map

BLOCKS_PER_THREAD = 2  # ticker blocks a thread takes in turn: a block's search stops when its last d is found
TAIL_SLACK = 21  # sessions read beyond the widest window, for the days a ticker has no price


@dataclass(frozen=True)
class History:
    """Each ticker's own price rows as log closes, in observation order: (observation x ticker) matrix of a panel's
    rows, each observation's day (row of `days`) and observations per ticker in the panel; the observations each
    ticker has before the panel's first day (all zero when the panel starts with the history) and its latest price
    day."""

    days: pd.DatetimeIndex
    tickers: pd.Index
    matrix: np.ndarray
    day: np.ndarray
    lengths: np.ndarray
    earlier: np.ndarray
    last_days: pd.DatetimeIndex

    @classmethod
    def of(
        cls, days: pd.DatetimeIndex, tickers: pd.Index, close: np.ndarray, rows: np.ndarray, last: pd.DatetimeIndex
    ) -> History:
        """The panel `close` of the tickers' `rows` price rows in all, the latest on `last`."""
        matrix, day, lengths = observations(close)
        return cls(days, tickers, matrix, day, lengths, np.asarray(rows, dtype=np.int64) - lengths, last)

    @property
    def price_rows(self) -> np.ndarray:
        """Each ticker's price rows in all."""
        return self.earlier + self.lengths

    @property
    def before(self) -> pd.DatetimeIndex:
        """Each ticker's day its d search stops before (quant.fracdiff.search_before of its latest price)."""
        return search_before(self.last_days)

    def searched_lengths(self) -> np.ndarray:
        """Observations per ticker dated before its search stops (of a panel that holds the whole history)."""
        dated = np.where(self.day >= 0, self.day, len(self.days))
        stops = self.days.searchsorted(self.before)
        return (dated < stops[None, :]).sum(axis=0)


@dataclass(frozen=True)
class Differenced:
    """Tickers' d (NaN where skipped) and window widths, the skips with why, and the (observation x ticker)
    differentiated values a run writes (NaN where it writes none)."""

    chosen: np.ndarray
    widths: np.ndarray
    skipped: dict[str, str]
    diffed: np.ndarray

    @classmethod
    def empty(cls, history: History) -> Differenced:
        """No ticker's d, width or value yet."""
        tickers = len(history.tickers)
        return cls(np.full(tickers, np.nan), np.zeros(tickers, np.int64), {}, np.full(history.matrix.shape, np.nan))


def extendable(
    tickers: pd.Index,
    last_days: pd.DatetimeIndex,
    state: pd.DataFrame,
    held: pd.DataFrame,
    stored: pd.Series,
    d: float | None,
    threshold: float,
) -> np.ndarray:
    """Per ticker (latest price on `last_days`), whether its stored series stands and only needs the new days:
    `state` is frac_diff_state's rows, `held` the fingerprints of the prices up to each stored last_date now
    (ticker, rows, checksum), `stored` the frac_diff rows each ticker holds now (a series someone else wrote into
    is recomputed)."""
    state = state.set_index("ticker").reindex(tickers)
    now = held.set_index("ticker").reindex(tickers)
    same_prices = (state["price_rows"] == now["rows"]) & (state["price_checksum"] == now["checksum"])
    same_prices &= state["value_rows"] == stored.reindex(tickers).fillna(0)
    same_search = pd.DatetimeIndex(state["search_before"]) == search_before(last_days)
    width_of = {d: len(fracdiff_weights(d, threshold)) for d in state["d"].dropna().unique()}  # ~21 values of d
    same_d = state["d"].notna() & (state["width"] == state["d"].map(width_of))
    if d is not None:
        same_d &= state["d"] == d
    return (same_prices & same_search & same_d).fillna(False).to_numpy(dtype=bool)


def tail_start(
    tickers: pd.Index, last_days: pd.DatetimeIndex, state: pd.DataFrame, grow: np.ndarray
) -> pd.Timestamp | None:
    """The first day a read needs when every ticker is extended: TAIL_SLACK sessions more than the widest window
    before the earliest new price (a ticker with gaps may still fall short: window_short says so). None, the whole
    history, when some ticker is recomputed."""
    if not len(tickers) or not grow.all():
        return None
    state = state.set_index("ticker").reindex(tickers)
    stored_last = pd.DatetimeIndex(state["last_date"])
    new = last_days > stored_last
    if not new.any():
        return last_days.max()
    return shift_trading_days(stored_last[new].min(), -(int(state["width"].max()) + TAIL_SLACK))


def window_short(history: History, state: pd.DataFrame) -> bool:
    """Whether some ticker with new prices has fewer than its window's observations before them in the panel."""
    state = state.set_index("ticker").reindex(history.tickers)
    start = state["price_rows"].to_numpy(dtype=float) - history.earlier
    new = history.lengths > start
    return bool((new & (start < state["width"].to_numpy(dtype=float) - 1)).any())


def recompute(history: History, columns: np.ndarray, d: float | None, threshold: float) -> Differenced:
    """d (fixed, or the smallest passing the ADF test on the history before the search stops) and the whole
    differentiated series of the tickers at `columns`, in blocks on STRATENGINE_COMPUTE_THREADS threads (FFTs,
    batched ADF regressions and window products run without the GIL); each column's result is its own."""
    blocks = [c for c in np.array_split(columns, BLOCKS_PER_THREAD * compute_threads()) if len(c)]
    searched = history.searched_lengths()
    out = Differenced.empty(history)
    for block, (chosen, widths, skipped, diffed) in zip(
        blocks, ordered_map(lambda c: _block(history, searched, c, d, threshold), blocks), strict=True
    ):
        out.chosen[block], out.widths[block], out.diffed[:, block] = chosen, widths, diffed
        out.skipped.update(skipped)
    return out


def _block(history: History, searched: np.ndarray, columns: np.ndarray, d: float | None, threshold: float):
    block, names = history.matrix[:, columns], history.tickers[columns]
    if d is None:
        seen = np.where(np.arange(len(block))[:, None] < searched[columns][None, :], block, np.nan)
        chosen, skipped, _ = searched_d(names, seen, searched[columns], threshold)
        stops = dict(zip(map(str, names), history.before[columns].date, strict=True))
        skipped = {t: f"{why}, in its history before {stops[str(t)]}" for t, why in skipped.items()}
    else:
        chosen, skipped = fixed_d(names, history.lengths[columns], d, threshold)
    diffed, widths = differentiate(block, chosen, threshold)
    return chosen, widths, skipped, diffed


def extended(history: History, columns: np.ndarray, state: pd.DataFrame, threshold: float) -> Differenced:
    """The values of the days the stored series of the tickers at `columns` lack, with their stored d."""
    state = state.set_index("ticker").reindex(history.tickers)
    out = Differenced.empty(history)
    stored_d = state["d"].to_numpy(dtype=float)
    starts = state["price_rows"].to_numpy(dtype=float) - history.earlier  # the panel's own observation numbers
    for d in np.unique(stored_d[columns]):
        group = columns[stored_d[columns] == d]
        start, stop = starts[group].astype(np.int64), history.lengths[group]
        out.diffed[:, group] = extend(history.matrix[:, group], start, stop, float(d), threshold)
        out.chosen[group], out.widths[group] = d, len(fracdiff_weights(float(d), threshold))
    return out


def merged(first: Differenced, second: Differenced, columns: np.ndarray) -> Differenced:
    """`first` with the tickers at `columns` taken from `second`."""
    chosen, widths, diffed = first.chosen.copy(), first.widths.copy(), first.diffed.copy()
    chosen[columns], widths[columns], diffed[:, columns] = (
        second.chosen[columns],
        second.widths[columns],
        second.diffed[:, columns],
    )
    return Differenced(chosen, widths, first.skipped | second.skipped, diffed)


def value_table(history: History, done: Differenced) -> pa.Table:
    """Rows (ticker, date, d, width, value) of every value the run writes, as an Arrow table."""
    position, col = np.nonzero(np.isfinite(done.diffed))
    return pa.table(
        {
            "ticker": pa.DictionaryArray.from_arrays(col.astype(np.int32), pa.array(history.tickers.astype(str))),
            "date": pa.array(history.days.values.astype("datetime64[D]")).take(history.day[position, col]),
            "d": done.chosen[col],
            "width": done.widths[col].astype(np.int32),
            "value": done.diffed[position, col],
        }
    )


def state_table(history: History, done: Differenced, fingerprints: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    """frac_diff_state's rows: per ticker, d, width, where its search stopped, its last price, the fingerprint of
    its prices up to it and the frac_diff rows it holds (`rows`, by ticker)."""
    prints = fingerprints.set_index("ticker").reindex(history.tickers)
    return pd.DataFrame(
        {
            "ticker": np.asarray(history.tickers, dtype=object),
            "d": done.chosen,
            "width": done.widths.astype(np.int32),
            "search_before": history.before,
            "last_date": history.last_days,
            "price_rows": history.price_rows.astype(np.int64),
            "price_checksum": prints["checksum"].to_numpy(dtype=np.uint64),
            "value_rows": rows.reindex(history.tickers).fillna(0).to_numpy(dtype=np.int64),
        }
    )

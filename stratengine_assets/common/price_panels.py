"""Per-ticker assets' reads of prices: every row of some tickers as (day x ticker) panels, no strings per row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quant.calendar import trading_days
from storage.warehouse import Warehouse, isin


def ticker_price_panels(
    store: Warehouse, keys: list[str], values: list[str]
) -> tuple[pd.DatetimeIndex, pd.Index, list[np.ndarray]]:
    """The trading days and tickers (of `keys`) with prices, and each of the price columns `values` as a (day x
    ticker) panel, NaN where a ticker has no row (or the value is NULL)."""
    first, last = store.span("prices", "date", isin("ticker", keys))
    if first is None:
        return pd.DatetimeIndex([]), pd.Index([]), [np.empty((0, 0)) for _ in values]
    tickers = pd.Index(store.distinct("prices", ["ticker"], isin("ticker", keys))["ticker"])
    days = trading_days(first, last)
    panels = store.read_panels("prices", values, days, tickers)
    return days, tickers, [panels[:, :, k] for k in range(len(values))]

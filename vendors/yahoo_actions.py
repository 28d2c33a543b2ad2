"""Yahoo Finance's corporate actions, as yfinance writes them (`Ticker(t).actions.to_csv()`): Date,Dividends,Stock
Splits, one file per ticker named <TICKER>.csv, every split and cash dividend of the ticker's history.

Yahoo gives dividends on the basis of later splits (a $1.00 dividend before a 2:1 split shows as $0.50) and a split
as its ratio (4.0 for 4:1; 0 on a dividend-only line). The parser returns each dividend as paid, per share as it
traded on the ex-date, using the file's own later splits. A header with no rows is a ticker with no actions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vendors.files import VendorFileError, numbers, read_text_csv
from vendors.layout import ACTION_COLUMNS, Layout
from vendors.yahoo import ticker_from_yahoo_name

ACTION_HEADER = ["Date", "Dividends", "Stock Splits"]


def parse_yahoo_actions(path: Path) -> pd.DataFrame:
    """ACTION_COLUMNS rows: split_ratio 1 where a line has no split, dividend 0 where it has none (as paid)."""
    ticker = ticker_from_yahoo_name(path.name)
    if ticker is None:
        raise VendorFileError(f"file name {path.name!r} does not carry a valid ticker")
    raw = read_text_csv(path, ACTION_HEADER, allow_empty=True)
    values = numbers(raw, ["Dividends", "Stock Splits"])
    split = values["Stock Splits"].where(values["Stock Splits"] != 0, 1.0)
    out = pd.DataFrame(
        {
            "ticker": ticker,
            "ex_date": pd.to_datetime(raw["Date"].str[:10], format="%Y-%m-%d", errors="coerce"),
            "split_ratio": split,
            "dividend": values["Dividends"].fillna(np.nan),
            "source_line": raw["source_line"],
        }
    )
    out["dividend"] = out["dividend"] * later_splits(out)
    return out[ACTION_COLUMNS]


def later_splits(actions: pd.DataFrame) -> np.ndarray:
    """For each line, the product of the split ratios on later ex-dates (1 when there are none or they are bad)."""
    dates = actions["ex_date"].to_numpy()
    ratios = actions["split_ratio"].where(np.isfinite(actions["split_ratio"]) & (actions["split_ratio"] > 0), 1.0)
    later = dates[None, :] > dates[:, None]
    return np.where(later, ratios.to_numpy()[None, :], 1.0).prod(axis=1)


LAYOUT = Layout(
    "yahoo_actions",
    "corporate_actions",
    parse_yahoo_actions,
    header=lambda names: names[:3] == ACTION_HEADER,
    ticker_from_name=ticker_from_yahoo_name,
)

"""Yahoo Finance CSV export: Date,Open,High,Low,Close,Adj Close,Volume, one file per ticker named <TICKER>.csv."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vendors.canonical import adjusted
from vendors.files import VendorFileError, numbers, read_text_csv, ticker_from_name
from vendors.layout import PRICE_COLUMNS, Layout
from vendors.spans import text_date_span

YAHOO_COLUMNS = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]


def ticker_from_yahoo_name(name: str) -> str | None:
    """Yahoo exports are named after the ticker (BRK-B.csv)."""
    return ticker_from_name(name, (".csv",))


def parse_yahoo(path: Path) -> pd.DataFrame:
    """Rows on the adjusted basis (Adj Close / Close scales the bar); Yahoo's 'null' cells become missing. Yahoo's
    Close is itself adjusted for splits, so the as-traded close is not known from this file."""
    ticker = ticker_from_yahoo_name(path.name)
    if ticker is None:
        raise VendorFileError(f"file name {path.name!r} does not carry a valid ticker")
    raw = read_text_csv(path, YAHOO_COLUMNS)
    frame = numbers(raw, ["Open", "High", "Low", "Close", "Adj Close", "Volume"])
    frame.columns = ["open", "high", "low", "close", "adj_close", "volume"]
    frame["date"] = pd.to_datetime(raw["Date"], format="%Y-%m-%d", errors="coerce")
    frame["ticker"] = ticker
    frame["source_line"] = raw["source_line"]
    return adjusted(frame, as_traded=False)[PRICE_COLUMNS]


LAYOUT = Layout(
    "yahoo",
    "prices",
    parse_yahoo,
    header=lambda names: names[:7] == YAHOO_COLUMNS,
    ticker_from_name=ticker_from_yahoo_name,
    date_span=text_date_span,
)

"""Stooq text files: Date,Open,High,Low,Close,Volume,OpenInt, one file per ticker named <ticker>.us.txt."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vendors.files import VendorFileError, numbers, read_text_csv, ticker_from_name
from vendors.layout import PRICE_COLUMNS, Layout
from vendors.spans import text_date_span


def ticker_from_filename(name: str) -> str | None:
    """Stooq names files <ticker>.us.txt: brk-b is the share class BRK.B, and wrb_c, a preferred issue (series C),
    is WRB.PC: "_" becomes ".P" before the series."""
    return ticker_from_name(name.replace("_", ".p", 1), (".us.txt", ".txt"))


def parse_stooq(path: Path) -> pd.DataFrame:
    """Stooq text: Date,Open,High,Low,Close,Volume,OpenInt; ticker is the file name before .us.txt."""
    ticker = ticker_from_filename(path.name)
    if ticker is None:
        raise VendorFileError(f"file name {path.name!r} does not carry a valid ticker")
    raw = read_text_csv(path, ["Date", "Open", "High", "Low", "Close", "Volume"])
    out = numbers(raw, ["Open", "High", "Low", "Close", "Volume"])
    out.columns = ["open", "high", "low", "close", "volume"]
    out.insert(0, "ticker", ticker)
    out.insert(0, "date", pd.to_datetime(raw["Date"], format="%Y-%m-%d", errors="coerce"))
    out["as_traded_close"] = float("nan")  # Stooq ships bars adjusted for every later split and dividend only
    out["source_line"] = raw["source_line"]
    return out[PRICE_COLUMNS]


LAYOUT = Layout(
    "stooq",
    "prices",
    parse_stooq,
    suffixes=(".us.txt",),
    ticker_from_name=ticker_from_filename,
    date_span=text_date_span,
)

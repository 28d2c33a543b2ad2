"""Canonical price files (CSV or Parquet): date,ticker,open,high,low,close,adj_close,volume, any tickers and days."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from quant.tickers import normalize_tickers
from storage.parquet import ParquetError, read_rows
from vendors.files import VendorFileError, numbers, read_text_csv
from vendors.layout import PRICE_COLUMNS, Layout
from vendors.spans import date_span

CANONICAL_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "adj_close", "volume"]


def adjusted(frame: pd.DataFrame, as_traded: bool = True) -> pd.DataFrame:
    """Scale open/high/low by adj_close/close so the whole bar is on the adjusted basis, and the volume the other
    way so close x volume stays the traded dollar volume. `as_traded`: the file's close is the close as it traded
    (kept as as_traded_close); else the vendor's close is itself adjusted for splits and only adj_close is used."""
    factor = frame["adj_close"] / frame["close"]
    out = frame[["date", "ticker"]].copy()
    for column in ("open", "high", "low"):
        out[column] = frame[column] * factor
    out["close"] = frame["adj_close"]
    out["volume"] = frame["volume"] / factor
    out["as_traded_close"] = frame["close"] if as_traded else float("nan")
    out["source_line"] = frame["source_line"]
    return out


def _parquet(path: Path) -> pd.DataFrame:
    try:
        frame = read_rows(path)
    except ParquetError as exc:
        raise VendorFileError(f"not a readable Parquet file: {exc}") from exc
    missing = [c for c in CANONICAL_COLUMNS if c not in frame.columns]
    if missing:
        raise VendorFileError(f"wrong columns: missing {missing}")
    frame["ticker"] = frame["ticker"].astype(str)
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce")
    return frame


def _csv(path: Path) -> pd.DataFrame:
    raw = read_text_csv(path, CANONICAL_COLUMNS)
    frame = numbers(raw, ["open", "high", "low", "close", "adj_close", "volume"])
    frame["date"] = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    frame["ticker"] = raw["ticker"]
    frame["source_line"] = raw["source_line"]
    return frame


def parse_canonical(path: Path) -> pd.DataFrame:
    """Canonical file (CSV or Parquet): date,ticker,open,high,low,close,adj_close,volume."""
    frame = _parquet(path) if path.suffix == ".parquet" else _csv(path)
    frame["ticker"] = normalize_tickers(frame["ticker"])
    return adjusted(frame)[PRICE_COLUMNS]


LAYOUT = Layout(
    "canonical",
    "prices",
    parse_canonical,
    suffixes=(".parquet",),
    header=lambda names: {"date", "ticker", "adj_close"} <= set(names),
    date_span=date_span,
)

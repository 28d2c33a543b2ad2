"""Canonical price files (CSV or Parquet): date,ticker,open,high,low,close,adj_close,volume, any tickers and days."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from resources.vendors.common import PRICE_COLUMNS, VendorFileError, normalize_tickers, numbers, read_text_csv

CANONICAL_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "adj_close", "volume"]


def adjusted(frame: pd.DataFrame) -> pd.DataFrame:
    """Scale open/high/low by adj_close/close so the whole bar is on the adjusted basis."""
    factor = frame["adj_close"] / frame["close"]
    out = frame[["date", "ticker"]].copy()
    for column in ("open", "high", "low"):
        out[column] = frame[column] * factor
    out["close"] = frame["adj_close"]
    out["volume"] = frame["volume"]
    out["source_line"] = frame["source_line"]
    return out


def parse_canonical(path: Path) -> pd.DataFrame:
    """Canonical file (CSV or Parquet): date,ticker,open,high,low,close,adj_close,volume."""
    if path.suffix == ".parquet":
        try:
            frame = duckdb.sql(
                "SELECT *, file_row_number + 1 AS source_line FROM read_parquet(?, file_row_number=true)",
                params=[str(path)],
            ).df()
        except duckdb.Error as exc:
            raise VendorFileError(f"not a readable Parquet file: {exc}") from exc
        missing = [c for c in CANONICAL_COLUMNS if c not in frame.columns]
        if missing:
            raise VendorFileError(f"wrong columns: missing {missing}")
        frame["ticker"] = frame["ticker"].astype(str)
        frame["date"] = pd.to_datetime(frame["date"], errors="coerce")
    else:
        raw = read_text_csv(path, CANONICAL_COLUMNS)
        frame = numbers(raw, ["open", "high", "low", "close", "adj_close", "volume"])
        frame["date"] = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
        frame["ticker"] = raw["ticker"]
        frame["source_line"] = raw["source_line"]
    frame["ticker"] = normalize_tickers(frame["ticker"])
    return adjusted(frame)[PRICE_COLUMNS]

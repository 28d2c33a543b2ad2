"""Vendor file layouts: each parser turns one landed file into canonical rows with their line numbers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

TICKER_PATTERN = r"[A-Z0-9]{1,10}(\.[A-Z0-9]{1,4})?"
_TICKER = re.compile(TICKER_PATTERN)
PRICE_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume", "source_line"]
HEADER_LINES = 1


class VendorFileError(ValueError):
    """A landed file that cannot be read at all; the message says what is wrong."""


def normalize_ticker(raw: str) -> str:
    """Vendor spelling to the warehouse's (BRK-B and brk-b become BRK.B); raises on anything else."""
    ticker = raw.strip().upper().replace("-", ".")
    if not _TICKER.fullmatch(ticker):
        raise ValueError(f"invalid ticker {raw!r}")
    return ticker


def normalize_tickers(raw: pd.Series) -> pd.Series:
    """Vectorized normalize_ticker; invalid tickers become missing values."""
    tickers = raw.astype("string").str.strip().str.upper().str.replace("-", ".", regex=False)
    return tickers.where(tickers.str.fullmatch(TICKER_PATTERN).fillna(False).astype(bool))


def _read_text_csv(path: Path, expected: list[str]) -> pd.DataFrame:
    """Read a vendor CSV as text, failing with a message that names the defect."""
    if path.stat().st_size == 0:
        raise VendorFileError("file is empty")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except UnicodeDecodeError as exc:
        raise VendorFileError(f"not a UTF-8 text file ({exc.reason} at byte {exc.start})") from exc
    except pd.errors.ParserError as exc:
        raise VendorFileError(f"not a readable CSV: {exc}") from exc
    columns = [c.strip() for c in frame.columns]
    missing = [c for c in expected if c not in columns]
    if missing:
        raise VendorFileError(f"wrong columns: expected {expected}, found {columns} (missing {missing})")
    if frame.empty:
        raise VendorFileError("header only: the file has no data rows")
    frame.columns = columns
    frame["source_line"] = np.arange(len(frame), dtype="int64") + HEADER_LINES + 1
    return frame


def _numbers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[columns].apply(pd.to_numeric, errors="coerce").astype("float64")


def ticker_from_filename(name: str) -> str | None:
    """Stooq names files <ticker>.us.txt; None when the name carries no valid ticker."""
    stem = name.lower().removesuffix(".txt").removesuffix(".us")
    try:
        return normalize_ticker(stem)
    except ValueError:
        return None


def parse_stooq(path: Path) -> pd.DataFrame:
    """Stooq text: Date,Open,High,Low,Close,Volume,OpenInt; ticker is the file name before .us.txt."""
    ticker = ticker_from_filename(path.name)
    if ticker is None:
        raise VendorFileError(f"file name {path.name!r} does not carry a valid ticker")
    raw = _read_text_csv(path, ["Date", "Open", "High", "Low", "Close", "Volume"])
    out = _numbers(raw, ["Open", "High", "Low", "Close", "Volume"])
    out.columns = ["open", "high", "low", "close", "volume"]
    out.insert(0, "ticker", ticker)
    out.insert(0, "date", pd.to_datetime(raw["Date"], format="%Y-%m-%d", errors="coerce"))
    out["source_line"] = raw["source_line"]
    return out[PRICE_COLUMNS]


CANONICAL_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "adj_close", "volume"]


def _adjusted(frame: pd.DataFrame) -> pd.DataFrame:
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
        raw = _read_text_csv(path, CANONICAL_COLUMNS)
        frame = _numbers(raw, ["open", "high", "low", "close", "adj_close", "volume"])
        frame["date"] = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
        frame["ticker"] = raw["ticker"]
        frame["source_line"] = raw["source_line"]
    frame["ticker"] = normalize_tickers(frame["ticker"])
    return _adjusted(frame)[PRICE_COLUMNS]


PRICE_PARSERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "stooq": parse_stooq,
    "canonical": parse_canonical,
}

SECURITIES_COLUMNS = {
    "Ticker Symbol": "ticker",
    "Security": "name",
    "GICS Sector": "sector",
    "GICS Sub Industry": "sub_industry",
    "CIK": "cik",
}


def parse_securities(path: Path) -> pd.DataFrame:
    """Security master CSV: ticker, name, GICS sector and sub-industry, CIK."""
    raw = _read_text_csv(path, list(SECURITIES_COLUMNS))
    out = raw[list(SECURITIES_COLUMNS)].rename(columns=SECURITIES_COLUMNS)
    out["ticker"] = normalize_tickers(out["ticker"])
    out["cik"] = pd.to_numeric(out["cik"], errors="coerce").astype("Int64")
    out["source_line"] = raw["source_line"]
    return out


FUNDAMENTAL_METRICS = {
    "Total Equity": "total_equity",
    "Net Income": "net_income",
    "Total Revenue": "total_revenue",
    "Gross Profit": "gross_profit",
    "Total Assets": "total_assets",
    "Estimated Shares Outstanding": "shares_outstanding",
    "Earnings Per Share": "eps",
}


def parse_annual_fundamentals(path: Path) -> pd.DataFrame:
    """Annual 10-K table, one row per (Ticker Symbol, Period Ending); returned wide, one row per filing."""
    raw = _read_text_csv(path, ["Ticker Symbol", "Period Ending", "For Year", *FUNDAMENTAL_METRICS])
    out = _numbers(raw, list(FUNDAMENTAL_METRICS)).rename(columns=FUNDAMENTAL_METRICS)
    out.insert(0, "ticker", normalize_tickers(raw["Ticker Symbol"]))
    out.insert(1, "period_end", pd.to_datetime(raw["Period Ending"], format="%m/%d/%Y", errors="coerce"))
    out.insert(2, "fiscal_year", pd.to_numeric(raw["For Year"], errors="coerce"))
    out["source_line"] = raw["source_line"]
    return out

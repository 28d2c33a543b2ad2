"""What every vendor adapter shares: the file error, ticker rules and the vendor CSV reader."""

from __future__ import annotations

import re
from pathlib import Path

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


def ticker_from_name(name: str, suffixes: tuple[str, ...]) -> str | None:
    """The ticker a per-ticker file's name carries before one of the vendor's suffixes (brk-b.us.txt is BRK.B);
    None when the name has no such suffix or no valid ticker."""
    for suffix in suffixes:
        if name.lower().endswith(suffix):
            try:
                return normalize_ticker(name[: -len(suffix)])
            except ValueError:
                return None
    return None


def normalize_tickers(raw: pd.Series) -> pd.Series:
    """Vectorized normalize_ticker; invalid tickers become missing values."""
    tickers = raw.astype("string").str.strip().str.upper().str.replace("-", ".", regex=False)
    return tickers.where(tickers.str.fullmatch(TICKER_PATTERN).fillna(False).astype(bool))


def read_text_csv(path: Path, expected: list[str]) -> pd.DataFrame:
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


def numbers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[columns].apply(pd.to_numeric, errors="coerce").astype("float64")

"""What every vendor parser shares: the file error, the vendor CSV reader and tickers carried by file names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from quant.tickers import normalize_ticker
from storage.csv_files import HEADER_LINES


class VendorFileError(ValueError):
    """A landed file that cannot be read at all; the message says what is wrong."""


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


def read_header(path: Path) -> list[str]:
    """The first line's comma-separated names, stripped; empty when the file is not UTF-8 text."""
    try:
        with open(path, encoding="utf-8") as handle:
            return [c.strip() for c in handle.readline().split(",")]
    except UnicodeDecodeError:
        return []


def read_text_csv(path: Path, expected: list[str], allow_empty: bool = False) -> pd.DataFrame:
    """Read a vendor CSV as text, failing with a message that names the defect (a header without rows too, unless
    the layout says that means "none")."""
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
    if frame.empty and not allow_empty:
        raise VendorFileError("header only: the file has no data rows")
    frame.columns = columns
    frame["source_line"] = np.arange(len(frame), dtype="int64") + HEADER_LINES + 1
    return frame


def numbers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[columns].apply(pd.to_numeric, errors="coerce").astype("float64")

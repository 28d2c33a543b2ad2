"""Stooq text files: Date,Open,High,Low,Close,Volume,OpenInt, one file per ticker named <ticker>.us.txt."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from storage.csv_files import DATE, DOUBLE, CsvSpec
from vendors.csv_files import CsvRows, read_csv_files
from vendors.files import VendorFileError, ticker_from_name
from vendors.layout import PRICE_COLUMNS, Layout
from vendors.spans import text_date_span


def ticker_from_filename(name: str) -> str | None:
    """Stooq names files <ticker>.us.txt: brk-b is the share class BRK.B, and wrb_c, a preferred issue (series C),
    is WRB.PC: "_" becomes ".P" before the series."""
    return ticker_from_name(name.replace("_", ".p", 1), (".us.txt", ".txt"))


STOOQ_CSV = CsvSpec({"Date": DATE, "Open": DOUBLE, "High": DOUBLE, "Low": DOUBLE, "Close": DOUBLE, "Volume": DOUBLE})


def parse_stooq_files(paths: Sequence[Path]) -> CsvRows:
    """Stooq text files read at once: PRICE_COLUMNS rows with `file` (the file's position in `paths`), and why
    each unreadable file cannot be read; a file's ticker is its name before .us.txt, held as a categorical (a
    code per row, not a string: 12.4 M of them cost seconds to build and to hand to DuckDB)."""
    tickers = [ticker_from_filename(path.name) for path in paths]
    named = [p for p, ticker in enumerate(tickers) if ticker is not None]
    read = read_csv_files([paths[p] for p in named], STOOQ_CSV)
    unnamed = [p for p, ticker in enumerate(tickers) if ticker is None]
    errors = {p: f"file name {paths[p].name!r} does not carry a valid ticker" for p in unnamed}
    errors |= {named[p]: error for p, error in read.errors.items()}
    raw = read.rows
    file = np.asarray(named, dtype="int64")[raw["file"].to_numpy()] if len(raw) else raw["file"].to_numpy()
    out = pd.DataFrame(
        {
            "date": raw["Date"].astype("datetime64[ns]"),
            "ticker": _file_tickers(tickers, file),
            **{column.lower(): raw[column] for column in ("Open", "High", "Low", "Close", "Volume")},
            "as_traded_close": float("nan"),  # Stooq ships bars adjusted for every later split and dividend only
            "source_line": raw["source_line"],
            "file": file,
        }
    )
    return CsvRows(out[[*PRICE_COLUMNS, "file"]], errors)


def _file_tickers(tickers: list[str | None], file: np.ndarray) -> pd.Categorical:
    """Each row's ticker from its file's position: a categorical over the tickers the files carry."""
    known = sorted({ticker for ticker in tickers if ticker is not None})
    code = {ticker: n for n, ticker in enumerate(known)}
    codes = np.asarray([code.get(ticker, -1) for ticker in tickers], dtype="int32")
    return pd.Categorical.from_codes(codes[file], categories=known)


def parse_stooq(path: Path) -> pd.DataFrame:
    """Stooq text: Date,Open,High,Low,Close,Volume,OpenInt; ticker is the file name before .us.txt."""
    parsed = parse_stooq_files([path])
    if parsed.errors:
        raise VendorFileError(parsed.errors[0])
    return parsed.rows[PRICE_COLUMNS].astype({"ticker": object})


LAYOUT = Layout(
    "stooq",
    "prices",
    parse_stooq,
    parse_many=parse_stooq_files,
    suffixes=(".us.txt",),
    ticker_from_name=ticker_from_filename,
    date_span=text_date_span,
)

"""How the warehouse spells a ticker: upper case, a dot before a share class (BRK.B)."""

from __future__ import annotations

import re

import pandas as pd

TICKER_PATTERN = r"[A-Z0-9]{1,10}(\.[A-Z0-9]{1,4})?"
_TICKER = re.compile(TICKER_PATTERN)


def normalize_ticker(raw: str) -> str:
    """Vendor spelling to the warehouse's (BRK-B and brk-b become BRK.B); raises on anything else."""
    ticker = raw.strip().upper().replace("-", ".")
    if not _TICKER.fullmatch(ticker):
        raise ValueError(f"invalid ticker {raw!r}")
    return ticker


def normalize_tickers(raw: pd.Series) -> pd.Series:
    """Vectorized normalize_ticker; invalid tickers become missing values. Each distinct spelling is normalized
    once (a price file repeats a few thousand tickers over millions of rows)."""
    codes, spellings = pd.factorize(raw.astype("string"))
    tickers = pd.Series(spellings, dtype="string").str.strip().str.upper().str.replace("-", ".", regex=False)
    valid = tickers.where(tickers.str.fullmatch(TICKER_PATTERN).fillna(False).astype(bool))
    return pd.Series(valid.array.take(codes, allow_fill=True), index=raw.index, dtype="string")

"""The security master CSV: Ticker Symbol, Security, GICS Sector, GICS Sub Industry, CIK."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from quant.tickers import normalize_tickers
from vendors.files import read_text_csv
from vendors.layout import Layout

SECURITIES_COLUMNS = {
    "Ticker Symbol": "ticker",
    "Security": "name",
    "GICS Sector": "sector",
    "GICS Sub Industry": "sub_industry",
    "CIK": "cik",
}


def parse_securities(path: Path) -> pd.DataFrame:
    """Security master CSV: ticker (missing where invalid), name, GICS sector and sub-industry, CIK."""
    raw = read_text_csv(path, list(SECURITIES_COLUMNS))
    out = raw[list(SECURITIES_COLUMNS)].rename(columns=SECURITIES_COLUMNS)
    out["ticker"] = normalize_tickers(out["ticker"])
    out["cik"] = pd.to_numeric(out["cik"], errors="coerce").astype("Int64")
    out["source_line"] = raw["source_line"]
    return out


LAYOUT = Layout("sp500_master", "securities", parse_securities, header=lambda names: "GICS Sector" in names)

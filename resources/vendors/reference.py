"""Reference data files: the security master and the annual 10-K fundamentals table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from resources.vendors.common import normalize_tickers, numbers, read_text_csv

SECURITIES_COLUMNS = {
    "Ticker Symbol": "ticker",
    "Security": "name",
    "GICS Sector": "sector",
    "GICS Sub Industry": "sub_industry",
    "CIK": "cik",
}


def parse_securities(path: Path) -> pd.DataFrame:
    """Security master CSV: ticker, name, GICS sector and sub-industry, CIK."""
    raw = read_text_csv(path, list(SECURITIES_COLUMNS))
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
    raw = read_text_csv(path, ["Ticker Symbol", "Period Ending", "For Year", *FUNDAMENTAL_METRICS])
    out = numbers(raw, list(FUNDAMENTAL_METRICS)).rename(columns=FUNDAMENTAL_METRICS)
    out.insert(0, "ticker", normalize_tickers(raw["Ticker Symbol"]))
    out.insert(1, "period_end", pd.to_datetime(raw["Period Ending"], format="%m/%d/%Y", errors="coerce"))
    out.insert(2, "fiscal_year", pd.to_numeric(raw["For Year"], errors="coerce"))
    out["source_line"] = raw["source_line"]
    return out

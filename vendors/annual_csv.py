"""The annual 10-K fundamentals table: one row per (Ticker Symbol, Period Ending), no filing date."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from quant.tickers import normalize_tickers
from vendors.files import numbers, read_text_csv
from vendors.layout import FACT_COLUMNS, FundamentalFacts, Layout

METRIC_COLUMNS = {
    "Total Equity": "total_equity",
    "Net Income": "net_income",
    "Total Revenue": "total_revenue",
    "Gross Profit": "gross_profit",
    "Total Assets": "total_assets",
    "Estimated Shares Outstanding": "shares_outstanding",
    "Earnings Per Share": "eps",
}


def parse_annual_fundamentals(path: Path) -> pd.DataFrame:
    """The table as it stands, wide: ticker, period_end, fiscal_year, one column per metric, source_line."""
    raw = read_text_csv(path, ["Ticker Symbol", "Period Ending", "For Year", *METRIC_COLUMNS])
    out = numbers(raw, list(METRIC_COLUMNS)).rename(columns=METRIC_COLUMNS)
    out.insert(0, "ticker", normalize_tickers(raw["Ticker Symbol"]))
    out.insert(1, "period_end", pd.to_datetime(raw["Period Ending"], format="%m/%d/%Y", errors="coerce"))
    out.insert(2, "fiscal_year", pd.to_numeric(raw["For Year"], errors="coerce"))
    out["source_line"] = raw["source_line"]
    return out


def _fiscal_year_notes(filings: pd.DataFrame) -> pd.DataFrame:
    """Rows whose 'For Year' contradicts Period Ending; the period end is kept as authoritative."""
    gap = (filings["fiscal_year"] - filings["period_end"].dt.year).abs()
    odd = filings[gap > 1]
    notes = [
        f"{r.ticker} line {r.source_line}: For Year {r.fiscal_year}, period end {r.period_end.date()}"
        for r in odd.itertuples()
    ]
    return pd.DataFrame({"ticker": odd["ticker"].to_numpy(dtype=object), "note": notes})


def parse_facts(path: Path) -> FundamentalFacts:
    """Long facts with no known_at (the reporting lag sets it); lines without a readable period end rejected."""
    filings = parse_annual_fundamentals(path)
    undated = filings["period_end"].isna()
    rejected = filings.loc[undated, ["ticker", "period_end", "source_line"]].rename(columns={"period_end": "date"})
    dated = filings[~undated]
    rows = dated.melt(
        id_vars=["ticker", "period_end", "source_line"],
        value_vars=list(METRIC_COLUMNS.values()),
        var_name="metric",
        value_name="value",
    ).dropna(subset=["value"])
    rows = rows.assign(known_at=pd.NaT)[FACT_COLUMNS]
    return FundamentalFacts(rows, rejected.assign(reason="unparseable_period_end"), _fiscal_year_notes(dated))


LAYOUT = Layout("annual_csv", "fundamentals", parse_facts, header=lambda names: "Period Ending" in names)

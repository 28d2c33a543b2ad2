"""SEC EDGAR XBRL "companyfacts" JSON: facts -> taxonomy -> tag -> units -> [{end, val, fy, fp, form, filed}]."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from vendors.files import VendorFileError, ticker_from_name
from vendors.layout import FACT_COLUMNS, FundamentalFacts, Layout

TAGS = {
    ("us-gaap", "StockholdersEquity"): "total_equity",
    ("us-gaap", "NetIncomeLoss"): "net_income",
    ("us-gaap", "Revenues"): "total_revenue",
    ("us-gaap", "RevenueFromContractWithCustomerExcludingAssessedTax"): "total_revenue",
    ("us-gaap", "GrossProfit"): "gross_profit",
    ("us-gaap", "Assets"): "total_assets",
    ("dei", "EntityCommonStockSharesOutstanding"): "shares_outstanding",
    ("us-gaap", "EarningsPerShareBasic"): "eps",
}
ANNUAL_FORMS = {"10-K", "10-K/A"}
ANNUAL_DAYS = (350, 380)


def read_companyfacts(path: Path) -> dict:
    try:
        document = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VendorFileError(f"not a companyfacts JSON document: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("facts"), dict):
        raise VendorFileError("not a companyfacts JSON document: no 'facts' object")
    return document


def _facts(document: dict) -> pd.DataFrame:
    rows = []
    for (taxonomy, tag), metric in TAGS.items():
        for unit, facts in document["facts"].get(taxonomy, {}).get(tag, {}).get("units", {}).items():
            rows += [{**fact, "metric": metric, "tag": tag, "unit": unit} for fact in facts]
    return pd.DataFrame(rows)


def parse_companyfacts(path: Path) -> tuple[int, pd.DataFrame]:
    """The filer's CIK and its annual (10-K, fiscal-year) facts as rows known from their filing date.

    Duration facts (income, revenue) count only over a full year; a value reported again in a later
    filing is not new information, so each (metric, period end, value) keeps its first filing date.
    """
    document = read_companyfacts(path)
    facts = _facts(document)
    if facts.empty:
        raise VendorFileError("companyfacts holds none of the tags StockholdersEquity, NetIncomeLoss, Assets, ...")
    facts = facts[facts["form"].isin(ANNUAL_FORMS) & (facts["fp"] == "FY")].copy()
    facts["period_end"] = pd.to_datetime(facts["end"], errors="coerce")
    facts["known_at"] = pd.to_datetime(facts["filed"], errors="coerce")
    if "start" in facts:
        length = (facts["period_end"] - pd.to_datetime(facts["start"], errors="coerce")).dt.days
        facts = facts[length.isna() | length.between(*ANNUAL_DAYS)]
    facts = facts.dropna(subset=["period_end", "known_at", "val"]).sort_values("known_at")
    facts = facts.drop_duplicates(["metric", "period_end", "val"], keep="first")
    facts = facts.drop_duplicates(["metric", "period_end", "known_at"], keep="first")
    out = facts.rename(columns={"val": "value"})[["metric", "period_end", "known_at", "value"]]
    return int(document.get("cik", 0)), out.reset_index(drop=True)


def parse_facts(path: Path) -> FundamentalFacts:
    """The filer's annual facts, identified by CIK (the security master names its ticker), or by the file's name
    when it is <TICKER>.json rather than CIK##########.json."""
    cik, facts = parse_companyfacts(path)
    named = None if path.stem.upper().startswith("CIK") else ticker_from_name(path.name, (".json",))
    rows = facts.assign(ticker=None, source_line=pd.NA)[FACT_COLUMNS]
    return FundamentalFacts(rows, cik=cik, ticker=named)


LAYOUT = Layout("edgar", "fundamentals", parse_facts, suffixes=(".json",))

"""Which vendor wrote a file: from its name, else from its header."""

from __future__ import annotations

from pathlib import Path

from resources.vendors.common import VendorFileError

VENDOR_DATASETS = {
    "stooq": "prices",
    "stooq_api": "prices",
    "yahoo": "prices",
    "canonical": "prices",
    "annual_csv": "fundamentals",
    "edgar": "fundamentals",
    "sp500_master": "securities",
}


def _header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [c.strip() for c in handle.readline().split(",")]
    except UnicodeDecodeError:
        return []


def detect_vendor(path: Path) -> str:
    """The vendor layout of a file; raises VendorFileError naming the file when it cannot tell."""
    name = path.name.lower()
    if name.endswith(".us.txt"):
        return "stooq"
    if name.endswith(".parquet"):
        return "canonical"
    if name.endswith(".json"):
        return "edgar"
    header = _header(path)
    if header[:7] == ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]:
        return "yahoo"
    if {"date", "ticker", "adj_close"} <= set(header):
        return "canonical"
    if "Period Ending" in header:
        return "annual_csv"
    if "GICS Sector" in header:
        return "sp500_master"
    raise VendorFileError(f"cannot tell which vendor wrote {path.name}; pass --vendor ({', '.join(VENDOR_DATASETS)})")


def dataset_of(vendor: str) -> str:
    if vendor not in VENDOR_DATASETS:
        raise VendorFileError(f"unknown vendor {vendor!r}; known: {', '.join(VENDOR_DATASETS)}")
    return VENDOR_DATASETS[vendor]

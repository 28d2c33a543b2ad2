"""Vendor adapters: each turns one landed file into canonical rows with vendor, file and line provenance."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from resources.vendors.canonical import CANONICAL_COLUMNS, parse_canonical
from resources.vendors.common import (
    PRICE_COLUMNS,
    TICKER_PATTERN,
    VendorFileError,
    normalize_ticker,
    normalize_tickers,
)
from resources.vendors.reference import FUNDAMENTAL_METRICS, parse_annual_fundamentals, parse_securities
from resources.vendors.stooq import parse_stooq, ticker_from_filename
from resources.vendors.yahoo import parse_yahoo, ticker_from_yahoo_name


@dataclass(frozen=True)
class PriceVendor:
    """A price file layout: how to parse a file and, for per-ticker layouts, the ticker its name carries."""

    name: str
    parse: Callable[[Path], pd.DataFrame]
    ticker_from_name: Callable[[str], str | None] | None = None


PRICE_VENDORS: dict[str, PriceVendor] = {
    "stooq": PriceVendor("stooq", parse_stooq, ticker_from_filename),
    "stooq_api": PriceVendor("stooq_api", parse_stooq, ticker_from_filename),
    "yahoo": PriceVendor("yahoo", parse_yahoo, ticker_from_yahoo_name),
    "canonical": PriceVendor("canonical", parse_canonical),
}
PRICE_PARSERS = {name: vendor.parse for name, vendor in PRICE_VENDORS.items()}

__all__ = [
    "CANONICAL_COLUMNS",
    "FUNDAMENTAL_METRICS",
    "PRICE_COLUMNS",
    "PRICE_PARSERS",
    "PRICE_VENDORS",
    "TICKER_PATTERN",
    "PriceVendor",
    "VendorFileError",
    "normalize_ticker",
    "normalize_tickers",
    "parse_annual_fundamentals",
    "parse_canonical",
    "parse_securities",
    "parse_stooq",
    "parse_yahoo",
    "ticker_from_filename",
    "ticker_from_yahoo_name",
]

"""What a vendor layout is: the record the registry keeps, and the canonical shapes parsers return."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from vendors.csv_files import CsvRows

DATASETS = ("prices", "fundamentals", "securities", "corporate_actions")
# open..close on the vendor's adjusted basis; as_traded_close is the close as it traded (missing where the vendor
# ships adjusted prices only)
PRICE_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume", "as_traded_close", "source_line"]
# a split (split_ratio: new shares per old, 1 where none) or a cash dividend per share as paid (0 where none)
ACTION_COLUMNS = ["ticker", "ex_date", "split_ratio", "dividend", "source_line"]
FACT_COLUMNS = ["ticker", "metric", "period_end", "known_at", "value", "source_line"]
REJECTED_COLUMNS = ["ticker", "date", "reason", "source_line"]


@dataclass(frozen=True)
class FundamentalFacts:
    """A fundamentals file's facts, long (FACT_COLUMNS; known_at NaT where the layout has no filing date and the
    reporting lag decides), the lines it could not use and why (REJECTED_COLUMNS), notes on lines kept with a
    correction (ticker, note). A file of one filer's facts gives the filer's CIK (the security master names its
    ticker) and, when its name carries one, a ticker that stands in when the master does not know the CIK."""

    rows: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECTED_COLUMNS))
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["ticker", "note"]))
    cik: int | None = None
    ticker: str | None = None


@dataclass(frozen=True)
class Layout:
    """One vendor layout. `parse` returns PRICE_COLUMNS rows (prices), security-master rows (ticker, name, sector,
    sub_industry, cik, source_line), FundamentalFacts (fundamentals) or ACTION_COLUMNS rows (corporate_actions),
    and raises VendorFileError when the file cannot be read at all.

    suffixes and header tell the layout from a file (by name first, then by header line); a layout with neither
    is never guessed (it is named when landing). ticker_from_name is set for one-file-per-ticker layouts;
    date_span reads the first and last date of a price file cheaply. parse_many, where a price layout has it,
    reads many files at once (rows with `file`, their position in the paths given, and each unreadable file's
    error), as parse would one by one."""

    name: str
    dataset: str
    parse: Callable[[Path], Any]
    suffixes: tuple[str, ...] = ()
    header: Callable[[list[str]], bool] | None = None
    ticker_from_name: Callable[[str], str | None] | None = None
    date_span: Callable[[Path], tuple[dt.date, dt.date] | None] | None = None
    parse_many: Callable[[Sequence[Path]], CsvRows] | None = None

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"layout {self.name}: dataset must be one of {DATASETS}, not {self.dataset!r}")

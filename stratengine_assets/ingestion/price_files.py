"""Landed price files: parsing one, which of its rows a trading-day partition can hold, and the rows of the
registered files that cover a date window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from resources.landing_zone import LandedFile, LandingZoneResource
from resources.settings import calendar_start
from storage.warehouse import Warehouse, eq
from vendors.files import VendorFileError
from vendors.registry import layout_for

RAW_ROW_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume", "as_traded_close", "source_line"]


@dataclass
class PriceFileBatch:
    """Rows of the registered price files that overlap a date window, and the files that failed."""

    rows: list[pd.DataFrame] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    files_read: int = 0


def parse_price_file(zone: LandingZoneResource, landed: LandedFile) -> pd.DataFrame:
    """Canonical rows of one landed price file, with vendor and file (the manifest key) on every row."""
    frame = layout_for(landed.vendor, "prices").parse(zone.local_path(landed))
    frame["vendor"] = landed.vendor
    frame["source_file"] = landed.key
    return frame


BEFORE_START = "before_calendar_start"  # not a defect: counted in the manifest, not quarantined row by row


def unplaceable(frame: pd.DataFrame, today: dt.date) -> pd.Series:
    """Why a row cannot belong to any trading-day partition (None where it can)."""
    reason = pd.Series(None, index=frame.index, dtype="object")
    reason[frame["date"] > pd.Timestamp(today)] = "future_date"
    reason[frame["date"] < pd.Timestamp(calendar_start())] = BEFORE_START
    reason[frame["date"].isna()] = "unparseable_date"
    reason[frame["ticker"].isna()] = "invalid_ticker"
    return reason


def read_price_file(zone: LandingZoneResource, landed: LandedFile) -> tuple[pd.DataFrame | None, str | None]:
    """The file's rows, or None and why it cannot be read."""
    try:
        return parse_price_file(zone, landed), None
    except VendorFileError as exc:
        return None, str(exc)


def load_price_rows(
    store: Warehouse, zone: LandingZoneResource, start: pd.Timestamp, end: pd.Timestamp
) -> PriceFileBatch:
    """The placeable rows in [start, end) of every registered price file (not failed, not a duplicate) whose dates
    overlap the window, as the manifest records it."""
    registered = store.read(
        "landing_manifest",
        eq("dataset", "prices"),
        eq("status", "registered"),
        columns=["key", "first_date", "last_date"],
    )
    overlapping = registered[
        registered["first_date"].notna()
        & (pd.to_datetime(registered["first_date"]) < end)
        & (pd.to_datetime(registered["last_date"]) >= start)
    ]
    landed = {f.key: f for f in zone.files("prices")}
    batch = PriceFileBatch()
    for key in overlapping["key"]:
        if key not in landed:
            continue  # gone from the zone since it was registered: the next registration records that
        frame, error = read_price_file(zone, landed[key])
        if frame is None:
            batch.failed[key] = error
            continue
        batch.files_read += 1
        placed = frame[unplaceable(frame, dt.date.today()).isna()]
        in_window = placed[(placed["date"] >= start) & (placed["date"] < end)]
        if len(in_window):
            batch.rows.append(in_window)
    return batch

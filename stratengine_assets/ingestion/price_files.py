"""Landed price files: each new version registered once (parsed, its unplaceable rows quarantined), then the rows
of the files that cover a date window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from quant.calendar import trading_days
from resources.landing_zone import LandedFile, LandingZoneResource, file_digest
from resources.settings import calendar_start
from storage.warehouse import Warehouse, eq
from stratengine_assets.ingestion.manifest_records import file_record, manifest
from stratengine_assets.ingestion.quarantine import quarantine_rows
from vendors.files import VendorFileError
from vendors.registry import layout_for


@dataclass
class PriceFileBatch:
    """Rows of the landed price files that overlap a date window, and the files that failed."""

    rows: list[pd.DataFrame] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    files_read: int = 0


def parse_price_file(zone: LandingZoneResource, landed: LandedFile) -> pd.DataFrame:
    """Canonical rows of one landed price file, with vendor and file (the manifest key) on every row."""
    frame = layout_for(landed.vendor, "prices").parse(zone.local_path(landed))
    frame["vendor"] = landed.vendor
    frame["source_file"] = landed.key
    return frame


def unplaceable(frame: pd.DataFrame, today: dt.date) -> pd.Series:
    """Why a row cannot belong to any trading-day partition (None where it can)."""
    reason = pd.Series(None, index=frame.index, dtype="object")
    reason[frame["date"] > pd.Timestamp(today)] = "future_date"
    reason[frame["date"] < pd.Timestamp(calendar_start())] = "before_calendar_start"
    reason[frame["date"].isna()] = "unparseable_date"
    reason[frame["ticker"].isna()] = "invalid_ticker"
    return reason


def register(
    store: Warehouse, landed: LandedFile, checksum: str, frame: pd.DataFrame | None, error: str | None
) -> pd.Series:
    """Record one file version and quarantine its rows that no partition can hold; returns the manifest row."""
    quarantined = pd.DataFrame()
    if frame is not None:
        reason = unplaceable(frame, dt.date.today())
        bad = frame[reason.notna()]
        quarantined = quarantine_rows(bad, "raw_prices", reason[reason.notna()], landed.vendor, landed.key)
    dates = frame["date"].dropna() if frame is not None else pd.Series(dtype="datetime64[ns]")
    record = file_record(
        landed,
        checksum,
        status="failed" if error else "registered",
        error=error,
        first_date=dates.min() if len(dates) else None,
        last_date=dates.max() if len(dates) else None,
        row_count=None if frame is None else len(frame),
    )
    with store.transaction():
        store.replace("landing_manifest", pd.DataFrame([record]), eq("key", landed.key))
        store.replace("quarantine", quarantined, eq("dataset", "raw_prices"), eq("source_file", landed.key))
    return pd.Series(record)


def _overlaps(seen: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> bool:
    if pd.isna(seen["first_date"]):
        return False
    return pd.Timestamp(seen["first_date"]) < end and pd.Timestamp(seen["last_date"]) >= start


def _read(zone: LandingZoneResource, landed: LandedFile) -> tuple[pd.DataFrame | None, str | None]:
    try:
        return parse_price_file(zone, landed), None
    except VendorFileError as exc:
        return None, str(exc)


def load_price_rows(
    store: Warehouse, zone: LandingZoneResource, start: pd.Timestamp, end: pd.Timestamp
) -> PriceFileBatch:
    """Parse every price file whose dates overlap [start, end); new file versions are registered first.

    A file whose content did not change (same checksum) keeps its manifest row: delivering it again
    does not ingest it again.
    """
    known = manifest(store, "prices")
    batch = PriceFileBatch()
    for landed in zone.files("prices"):
        seen = known.loc[landed.key] if landed.key in known.index else None
        frame = error = None
        if seen is None or seen["version"] != landed.version:
            checksum = file_digest(zone.local_path(landed))
            if seen is not None and seen["checksum"] == checksum:
                store.update("landing_manifest", {"version": landed.version}, eq("key", landed.key))
            else:
                frame, error = _read(zone, landed)
                seen = register(store, landed, checksum, frame, error)
        if seen["status"] == "failed":
            batch.failed[landed.key] = seen["error"]
            continue
        if not _overlaps(seen, start, end):
            continue
        if frame is None:
            frame, error = _read(zone, landed)
        if frame is None:
            batch.failed[landed.key] = error
            continue
        batch.files_read += 1
        in_window = frame[(frame["date"] >= start) & (frame["date"] < end) & frame["ticker"].notna()]
        if len(in_window):
            batch.rows.append(in_window)
    return batch


def register_price_files(store: Warehouse, zone: LandingZoneResource) -> dict[str, str]:
    """Register every new or changed price file version; returns the failed files and why."""
    far_past = pd.Timestamp("1900-01-01")
    return load_price_rows(store, zone, far_past, far_past + pd.Timedelta(days=1)).failed


def landed_price_range(store: Warehouse, zone: LandingZoneResource) -> tuple[str, str]:
    """Register new or changed price files and return the first and last trading day they cover."""
    register_price_files(store, zone)
    first, last = store.landed_price_span()
    if first is None:
        raise ValueError(f"no readable price files in the landing zone {zone.describe()}")
    days = trading_days(max(pd.Timestamp(first), pd.Timestamp(calendar_start())), last)
    return str(days[0].date()), str(days[-1].date())

"""The landing manifest: every landed file version, what it covers, and whether it could be read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from partitions.trading_calendar import calendar_start, trading_days
from resources.landing_zone import LandedFile, LandingZoneResource, file_checksum
from resources.vendors import PRICE_VENDORS, VendorFileError, parse_securities
from resources.warehouse import member_of, replace_slice, transaction

MANIFEST_COLUMNS = ["key", "version", "checksum", "first_date", "last_date", "status", "error"]


@dataclass
class PriceFileBatch:
    """Rows of the landed price files that overlap a date window, and the files that failed."""

    rows: list[pd.DataFrame] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    files_read: int = 0


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def manifest(conn: duckdb.DuckDBPyConnection, dataset: str) -> pd.DataFrame:
    columns = ", ".join(MANIFEST_COLUMNS)
    frame = conn.execute(f"SELECT {columns} FROM landing_manifest WHERE dataset = ?", [dataset]).df()
    return frame.set_index("key")


def parse_price_file(zone: LandingZoneResource, landed: LandedFile) -> pd.DataFrame:
    """Canonical rows of one landed price file, with vendor and file (the manifest key) on every row."""
    vendor = PRICE_VENDORS.get(landed.vendor)
    if vendor is None:
        raise VendorFileError(f"no adapter for vendor {landed.vendor!r}; known: {sorted(PRICE_VENDORS)}")
    frame = vendor.parse(zone.local_path(landed))
    frame["vendor"] = landed.vendor
    frame["source_file"] = landed.key
    return frame


def _unplaceable(frame: pd.DataFrame, today: dt.date) -> pd.Series:
    """Why a row cannot belong to any trading-day partition (None where it can)."""
    reason = pd.Series(None, index=frame.index, dtype="object")
    reason[frame["date"] > pd.Timestamp(today)] = "future_date"
    reason[frame["date"] < pd.Timestamp(calendar_start())] = "before_calendar_start"
    reason[frame["date"].isna()] = "unparseable_date"
    reason[frame["ticker"].isna()] = "invalid_ticker"
    return reason


def register(
    conn: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    checksum: str,
    frame: pd.DataFrame | None,
    error: str | None,
) -> pd.Series:
    """Record one file version and quarantine its rows that no partition can hold; returns the manifest row."""
    quarantined = pd.DataFrame()
    if frame is not None:
        reason = _unplaceable(frame, dt.date.today())
        bad = frame[reason.notna()]
        quarantined = bad[["date", "ticker", "vendor", "source_file", "source_line"]].assign(
            dataset="raw_prices", reason=reason[reason.notna()], detected_at=_now()
        )
        quarantined["ticker"] = quarantined["ticker"].astype("object")
    dates = frame["date"].dropna() if frame is not None else pd.Series(dtype="datetime64[ns]")
    record = {
        "key": landed.key,
        "vendor": landed.vendor,
        "dataset": landed.dataset,
        "size": landed.size,
        "version": landed.version,
        "checksum": checksum,
        "modified": pd.Timestamp(landed.modified, unit="s"),
        "first_date": dates.min() if len(dates) else None,
        "last_date": dates.max() if len(dates) else None,
        "row_count": None if frame is None else len(frame),
        "status": "failed" if error else "registered",
        "error": error,
        "registered_at": _now(),
    }
    with transaction(conn):
        replace_slice(conn, "landing_manifest", pd.DataFrame([record]), "key = ?", [landed.key])
        replace_slice(conn, "quarantine", quarantined, "dataset = 'raw_prices' AND source_file = ?", [landed.key])
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
    conn: duckdb.DuckDBPyConnection, zone: LandingZoneResource, start: pd.Timestamp, end: pd.Timestamp
) -> PriceFileBatch:
    """Parse every price file whose dates overlap [start, end); new file versions are registered first.

    A file whose content did not change (same checksum) keeps its manifest row: delivering it again
    does not ingest it again.
    """
    known = manifest(conn, "prices")
    batch = PriceFileBatch()
    for landed in zone.files("prices"):
        seen = known.loc[landed.key] if landed.key in known.index else None
        frame = error = None
        if seen is None or seen["version"] != landed.version:
            checksum = file_checksum(zone.local_path(landed))
            if seen is not None and seen["checksum"] == checksum:
                conn.execute("UPDATE landing_manifest SET version = ? WHERE key = ?", [landed.version, landed.key])
            else:
                frame, error = _read(zone, landed)
                seen = register(conn, landed, checksum, frame, error)
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


def record_reference_files(
    conn: duckdb.DuckDBPyConnection, zone: LandingZoneResource, dataset: str, failed: dict[str, str]
) -> None:
    """Record the security-master or fundamentals files an asset just read, as ingested (or failed, and why)."""
    now = _now()
    rows = [
        {
            "key": f.key,
            "vendor": f.vendor,
            "dataset": f.dataset,
            "size": f.size,
            "version": f.version,
            "checksum": file_checksum(zone.local_path(f)),
            "modified": pd.Timestamp(f.modified, unit="s"),
            "status": "failed" if f.key in failed else "registered",
            "error": failed.get(f.key),
            "registered_at": now,
            "ingested_at": None if f.key in failed else now,
        }
        for f in zone.files(dataset)
    ]
    with transaction(conn):
        replace_slice(conn, "landing_manifest", pd.DataFrame(rows), "dataset = ?", [dataset])


def mark_ingested(conn: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    conn.execute(f"UPDATE landing_manifest SET ingested_at = ? WHERE {member_of('key')}", [_now(), keys])


def register_price_files(conn: duckdb.DuckDBPyConnection, zone: LandingZoneResource) -> dict[str, str]:
    """Register every new or changed price file version; returns the failed files and why."""
    far_past = pd.Timestamp("1900-01-01")
    return load_price_rows(conn, zone, far_past, far_past + pd.Timedelta(days=1)).failed


def landed_price_range(conn: duckdb.DuckDBPyConnection, zone: LandingZoneResource) -> tuple[str, str]:
    """Register new or changed price files and return the first and last trading day they cover."""
    register_price_files(conn, zone)
    first, last = conn.execute(
        "SELECT min(first_date), max(last_date) FROM landing_manifest WHERE dataset = 'prices' AND status <> 'failed'"
    ).fetchall()[0]
    if first is None:
        raise ValueError(f"no readable price files in the landing zone {zone.describe()}")
    days = trading_days(max(pd.Timestamp(first), pd.Timestamp(calendar_start())), last)
    return str(days[0].date()), str(days[-1].date())


def landed_tickers(zone: LandingZoneResource) -> list[str]:
    """Tickers named by the landed security masters and by per-ticker price file names."""
    tickers = set()
    for landed in zone.files("prices"):
        vendor = PRICE_VENDORS.get(landed.vendor)
        if vendor and vendor.ticker_from_name and (ticker := vendor.ticker_from_name(landed.name)):
            tickers.add(ticker)
    for landed in zone.files("securities"):
        try:
            tickers |= set(parse_securities(zone.local_path(landed))["ticker"].dropna())
        except VendorFileError:
            continue
    return sorted(tickers)

"""Registry of landed vendor files: what each file covers, parsed once per file version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from partitions.trading_calendar import calendar_start, trading_days
from resources.landing_zone import LandedFile, LandingZoneResource
from resources.vendors import PRICE_PARSERS, VendorFileError, parse_securities, ticker_from_filename
from resources.warehouse import replace_slice, transaction


@dataclass
class PriceFileBatch:
    """Rows of the landed price files that overlap a date window, and the files that failed."""

    rows: list[pd.DataFrame] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    files_read: int = 0


def _known_versions(conn: duckdb.DuckDBPyConnection, dataset: str) -> pd.DataFrame:
    return (
        conn.execute(
            "SELECT path, size, mtime_ns, first_date, last_date, status, error FROM landed_files WHERE dataset = ?",
            [dataset],
        )
        .df()
        .set_index("path")
    )


def _parse(landed: LandedFile) -> pd.DataFrame:
    parser = PRICE_PARSERS.get(landed.vendor)
    if parser is None:
        raise VendorFileError(f"no parser for vendor {landed.vendor!r}; known: {sorted(PRICE_PARSERS)}")
    frame = parser(Path(landed.path))
    frame["vendor"] = landed.vendor
    frame["source_file"] = landed.path
    return frame


def _unplaceable(frame: pd.DataFrame, today: dt.date) -> pd.Series:
    """Why a row cannot belong to any trading-day partition (None where it can)."""
    reason = pd.Series(None, index=frame.index, dtype="object")
    reason[frame["date"] > pd.Timestamp(today)] = "future_date"
    reason[frame["date"] < pd.Timestamp(calendar_start())] = "before_calendar_start"
    reason[frame["date"].isna()] = "unparseable_date"
    reason[frame["ticker"].isna()] = "invalid_ticker"
    return reason


def _register(conn: duckdb.DuckDBPyConnection, landed: LandedFile, frame: pd.DataFrame | None, error: str | None):
    """Record one file version and quarantine its rows that no partition can hold."""
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    quarantined = pd.DataFrame()
    if frame is not None:
        reason = _unplaceable(frame, dt.date.today())
        bad = frame[reason.notna()]
        quarantined = bad[["date", "ticker", "vendor", "source_file", "source_line"]].assign(
            dataset="raw_prices", reason=reason[reason.notna()], detected_at=now
        )
        quarantined["ticker"] = quarantined["ticker"].astype("object")
    dates = frame["date"].dropna() if frame is not None else pd.Series(dtype="datetime64[ns]")
    record = pd.DataFrame(
        [
            {
                "path": landed.path,
                "vendor": landed.vendor,
                "dataset": landed.dataset,
                "size": landed.size,
                "mtime_ns": landed.mtime_ns,
                "first_date": dates.min() if len(dates) else None,
                "last_date": dates.max() if len(dates) else None,
                "row_count": None if frame is None else len(frame),
                "status": "failed" if error else "registered",
                "error": error,
                "registered_at": now,
            }
        ]
    )
    with transaction(conn):
        replace_slice(conn, "landed_files", record, "path = ?", [landed.path])
        replace_slice(conn, "quarantine", quarantined, "dataset = 'raw_prices' AND source_file = ?", [landed.path])


def load_price_rows(
    conn: duckdb.DuckDBPyConnection, zone: LandingZoneResource, start: pd.Timestamp, end: pd.Timestamp
) -> PriceFileBatch:
    """Parse every price file whose dates overlap [start, end); new or changed files are registered."""
    known = _known_versions(conn, "prices")
    batch = PriceFileBatch()
    for landed in zone.files("prices"):
        seen = known.loc[landed.path] if landed.path in known.index else None
        unchanged = seen is not None and (seen["size"], seen["mtime_ns"]) == (landed.size, landed.mtime_ns)
        if unchanged and seen["status"] == "failed":
            batch.failed[landed.path] = seen["error"]
            continue
        if unchanged and (pd.isna(seen["first_date"]) or not _overlaps(seen, start, end)):
            continue
        try:
            frame = _parse(landed)
            error = None
        except VendorFileError as exc:
            frame, error = None, str(exc)
            batch.failed[landed.path] = error
        if not unchanged:
            _register(conn, landed, frame, error)
        if frame is not None:
            batch.files_read += 1
            in_window = frame[(frame["date"] >= start) & (frame["date"] < end) & frame["ticker"].notna()]
            if len(in_window):
                batch.rows.append(in_window)
    return batch


def _overlaps(seen: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> bool:
    return pd.Timestamp(seen["first_date"]) < end and pd.Timestamp(seen["last_date"]) >= start


def landed_price_range(conn: duckdb.DuckDBPyConnection, zone: LandingZoneResource) -> tuple[str, str]:
    """Register new or changed price files and return the first and last trading day they cover."""
    far_past, far_future = pd.Timestamp("1900-01-01"), pd.Timestamp("1900-01-02")
    load_price_rows(conn, zone, far_past, far_future)
    first, last = conn.execute(
        "SELECT min(first_date), max(last_date) FROM landed_files WHERE dataset = 'prices' AND status <> 'failed'"
    ).fetchone()
    if first is None:
        raise ValueError(f"no readable price files in the landing zone {zone.root}")
    days = trading_days(max(pd.Timestamp(first), pd.Timestamp(calendar_start())), last)
    return str(days[0].date()), str(days[-1].date())


def landed_tickers(zone: LandingZoneResource) -> list[str]:
    """Tickers named by the landed security masters and by per-ticker price file names."""
    tickers = {t for f in zone.files("prices") if (t := ticker_from_filename(Path(f.path).name))}
    for landed in zone.files("securities"):
        try:
            tickers |= set(parse_securities(Path(landed.path))["ticker"].dropna())
        except VendorFileError:
            continue
    return sorted(tickers)

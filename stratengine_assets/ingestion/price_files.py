"""Landed price files: parsing one or a batch at once, which of their rows a trading-day partition can hold, and
the rows of the registered files that cover a date window, batch by batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resources.landing_zone import LandedFile, LandingZoneResource
from resources.settings import calendar_start
from storage.warehouse import Warehouse, eq
from vendors.files import VendorFileError
from vendors.registry import layout_for

RAW_ROW_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume", "as_traded_close", "source_line"]
FILE_COLUMNS = ["vendor", "source_file"]
BATCH_BYTES = 256 * 2**20  # price files read at once: about 2.5 M Stooq rows
PARQUET_ROWS_PER_BYTE = 10


@dataclass(frozen=True)
class PriceFileBatch:
    """A batch of registered price files overlapping a date window: their placeable rows in it, the files that
    failed and why, and how many were read."""

    rows: pd.DataFrame
    failed: dict[str, str]
    files_read: int


def parse_price_file(zone: LandingZoneResource, landed: LandedFile) -> pd.DataFrame:
    """Canonical rows of one landed price file, with vendor and file (the manifest key) on every row."""
    frame = layout_for(landed.vendor, "prices").parse(zone.local_path(landed))
    frame["vendor"] = landed.vendor
    frame["source_file"] = landed.key
    return frame


BEFORE_START = "before_calendar_start"  # not a defect: counted in the manifest, not quarantined row by row
FUTURE_DATE = "future_date"  # quarantined at registration, and read into raw_prices once the day has come


def unplaceable(frame: pd.DataFrame, today: dt.date) -> pd.Series:
    """Why a row cannot belong to any trading-day partition (None where it can)."""
    reason = pd.Series(None, index=frame.index, dtype="object")
    reason[frame["date"] > pd.Timestamp(today)] = FUTURE_DATE
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


def read_price_files(zone: LandingZoneResource, files: Sequence[LandedFile]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The rows of many price files with vendor and source_file on each, read at once where the layout can (one
    DuckDB read_csv over them; those columns are then categoricals), and why each unreadable file cannot be
    read."""
    frames, failed = [], {}
    for vendor, group in _by_vendor(files).items():
        many = _parse_many(vendor)
        if many is None:
            for landed in group:
                frame, error = read_price_file(zone, landed)
                if error is None:
                    frames.append(frame)
                else:
                    failed[landed.key] = error
            continue
        parsed = many([zone.local_path(landed) for landed in group])
        file = parsed.rows.pop("file").to_numpy()
        frames.append(parsed.rows.assign(vendor=_repeated(vendor, len(file)), source_file=_file_keys(group, file)))
        failed |= {group[position].key: error for position, error in sorted(parsed.errors.items())}
    frames = [frame for frame in frames if len(frame)]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*RAW_ROW_COLUMNS, *FILE_COLUMNS])
    return rows, failed


def _repeated(value: str, rows: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(rows, dtype="int8"), categories=[value])


def _file_keys(group: Sequence[LandedFile], file: np.ndarray) -> pd.Categorical:
    """Each row's source_file from its file's position in the group, as a categorical (a code per row)."""
    return pd.Categorical.from_codes(file, categories=[landed.key for landed in group])


def _by_vendor(files: Sequence[LandedFile]) -> dict[str, list[LandedFile]]:
    groups: dict[str, list[LandedFile]] = {}
    for landed in files:
        groups.setdefault(landed.vendor, []).append(landed)
    return groups


def _parse_many(vendor: str):
    try:
        return layout_for(vendor, "prices").parse_many
    except VendorFileError:
        return None  # an unknown vendor: read_price_file says so, file by file


def price_batches(files: Sequence[LandedFile]) -> Iterator[list[LandedFile]]:
    """The files in runs weighing at most BATCH_BYTES (at least one file each), so a batch's rows fit in memory."""
    batch, size = [], 0
    for landed in files:
        if batch and size + batch_weight(landed) > BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(landed)
        size += batch_weight(landed)
    if batch:
        yield batch


def batch_weight(landed: LandedFile) -> int:
    """What a file counts against BATCH_BYTES: its size as text (Parquet holds about ten times the rows a byte of
    CSV does)."""
    return landed.size * (PARQUET_ROWS_PER_BYTE if landed.key.endswith(".parquet") else 1)


def load_price_rows(
    store: Warehouse,
    zone: LandingZoneResource,
    start: pd.Timestamp,
    end: pd.Timestamp,
    keys: Collection[str],
) -> Iterator[PriceFileBatch]:
    """The placeable rows in [start, end) of the registered price files at `keys` (not failed, not a duplicate)
    whose dates overlap the window, as the manifest records it, in batches of files; nothing is listed or read
    when `keys` is empty."""
    if not keys:
        return
    registered = store.read(
        "landing_manifest",
        eq("dataset", "prices"),
        eq("status", "registered"),
        columns=["key", "first_date", "last_date"],
    )
    registered = registered[registered["key"].isin(keys)]
    overlapping = registered[
        registered["first_date"].notna()
        & (pd.to_datetime(registered["first_date"]) < end)
        & (pd.to_datetime(registered["last_date"]) >= start)
    ]
    landed = {f.key: f for f in zone.files("prices")}
    present = [landed[key] for key in overlapping["key"] if key in landed]  # a file gone: the next registration
    for files in price_batches(present):
        frame, failed = read_price_files(zone, files)
        placed = frame[unplaceable(frame, dt.date.today()).isna()]
        in_window = placed[(placed["date"] >= start) & (placed["date"] < end)]
        yield PriceFileBatch(in_window, failed, len(files) - len(failed))

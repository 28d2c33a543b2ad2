"""Registering the landing zone: every file gets a manifest row, and what changed is marked stale by content.

A file version is new when its bytes are (sha256), not its name or modification time. For a price file the
partitions marked are the days whose rows differ from the rows raw_prices holds from that file; a byte-identical
copy of another file is a duplicate of the file whose key sorts first, and contributes nothing; a file gone from
the zone takes its rows with it; a file no layout may read is a failed row saying why. A file's manifest row,
quarantined rows and marks are written in one transaction (new price file versions in batches of many files), so a
crash never loses a change.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from quant.calendar import trading_days
from resources.landing_zone import LandedFile, LandingZoneResource, RefusedFile, file_digest
from resources.settings import calendar_start
from storage.warehouse import Warehouse, between, eq, isin
from stratengine_assets.common.clock import utc_now
from stratengine_assets.common.staleness import UNPARTITIONED, mark_all
from stratengine_assets.ingestion.price_files import (
    BATCH_BYTES,
    BEFORE_START,
    FUTURE_DATE,
    RAW_ROW_COLUMNS,
    batch_weight,
    read_price_files,
    unplaceable,
)
from stratengine_assets.ingestion.quarantine import quarantine_rows
from vendors.files import VendorFileError
from vendors.layout import DATASETS
from vendors.registry import layout_for

MANIFEST_KEYS = [
    "key",
    "vendor",
    "dataset",
    "version",
    "checksum",
    "status",
    "error",
    "first_date",
    "last_date",
    "row_count",
    "ingested_at",
    "rows_before_start",
    "registered_start",
]
READABLE = ("registered", "duplicate")
REFERENCE_DATASETS = ("securities", "fundamentals", "corporate_actions")
# store, {asset: partition keys} changed at the source, tickers whose price rows changed (None: any), reason
OnChange = Callable[[Warehouse, dict[str, set[str]], set[str] | None, str], None]


def mark_sources(store: Warehouse, marks: dict[str, set[str]], names: set[str] | None, reason: str) -> None:
    """Mark only the partitions changed at the source (the planner marks what is downstream)."""
    mark_all(store, marks, reason)


@dataclass
class Registration:
    """What one pass over the landing zone found: partitions changed at the source, by asset; the files that
    cannot be read and why; one line per file that changed; files left for the next pass."""

    changes: dict[str, set[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    pending: int = 0


def register_files(
    store: Warehouse,
    zone: LandingZoneResource,
    tickers: list[str],
    on_change: OnChange = mark_sources,
    budget_seconds: float | None = None,
) -> Registration:
    """Register every new, changed, refused or removed file. `tickers` are the known ticker partitions (a
    fundamentals file whose tickers cannot be told marks all of them); `on_change` records each file's changes in
    its transaction. With a budget, the files left when it runs out are counted in `pending`."""
    return Registrar(store, zone, tickers, on_change).run(budget_seconds)


@dataclass
class Registrar:
    store: Warehouse
    zone: LandingZoneResource
    tickers: list[str]
    on_change: OnChange
    found: Registration = field(default_factory=Registration)
    batch: list[tuple[LandedFile, str]] = field(default_factory=list)  # new price file versions, with checksums
    queued_weight: int = 0  # the batch's weight against BATCH_BYTES
    contents: set[tuple[str, str]] = field(default_factory=set)  # (dataset, checksum) the manifest may hold

    def run(self, budget_seconds: float | None) -> Registration:
        started = time.monotonic()
        known = self.store.read("landing_manifest", columns=MANIFEST_KEYS).set_index("key")
        listed, refused = self.zone.files(), self.zone.refused()
        present = {f.key for f in listed} | {r.key for r in refused}
        for key in sorted(set(known.index) - present):
            self.forget(key, known.loc[key])
        for entry in refused:
            self.refuse(entry, known.loc[entry.key] if entry.key in known.index else None)
        self.contents = set(zip(known["dataset"], known["checksum"], strict=True))
        for n, landed in enumerate(listed):
            if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                self.found.pending = len(listed) - n
                break
            self.register(landed, known.loc[landed.key] if landed.key in known.index else None)
        self.flush()
        self.resolve_duplicates()
        return self.found

    def register(self, landed: LandedFile, seen: pd.Series | None) -> None:
        moved = seen is not None and _start_moved_back(seen)
        if seen is not None and seen["version"] == landed.version and not moved:
            return
        checksum = content_id(landed, file_digest(self.zone.local_path(landed)))
        unique = (landed.dataset, checksum) not in self.contents
        self.contents.add((landed.dataset, checksum))
        if landed.dataset == "prices" and unique:
            self.queue(landed, checksum)  # bytes no other file holds: no twin to resolve, written in a batch
            return
        self.flush()  # what follows reads the manifest: the queued files must be in it
        if seen is not None and seen["checksum"] == checksum and not moved:
            self.store.update("landing_manifest", {"version": landed.version}, eq("key", landed.key))
            return
        twin = self.first_twin(landed, checksum)
        heir_of = self.later_twin(landed, checksum) if twin is None and _holds_no_rows(seen) else None
        if twin is not None:
            self.register_duplicate(landed, checksum, twin)
        elif heir_of is not None:
            self.take_over(landed, checksum, heir_of)
        elif landed.dataset == "prices":
            self.queue(landed, checksum)
            self.flush()
        else:
            self.register_reference(landed, checksum)

    def first_twin(self, landed: LandedFile, checksum: str) -> str | None:
        """The readable file of the same dataset with the same bytes whose key sorts before this one's, if any."""
        twins = self.store.read(
            "landing_manifest", eq("dataset", landed.dataset), eq("checksum", checksum), columns=["key", "status"]
        )
        earlier = twins[(twins["key"] < landed.key) & twins["status"].isin(READABLE)]
        return earlier["key"].min() if len(earlier) else None

    def later_twin(self, landed: LandedFile, checksum: str) -> pd.Series | None:
        """The registered price file of the same vendor with the same bytes whose key sorts after this one's."""
        if landed.dataset != "prices":
            return None
        twins = self.store.read("landing_manifest", eq("dataset", "prices"), eq("checksum", checksum))
        later = twins[(twins["key"] > landed.key) & (twins["status"] == "registered")]
        later = later[later["vendor"] == landed.vendor]
        return later.sort_values("key").iloc[0] if len(later) else None

    def take_over(self, landed: LandedFile, checksum: str, twin: pd.Series) -> None:
        """Bytes a later-sorting file holds: this key is read from now on and the twin becomes its duplicate. The
        rows keep their values and change only their source file, so nothing is stale but the days where that
        name sorts differently against another file of the vendor holding the same name-day."""
        spans = {column: twin[column] for column in ("first_date", "last_date", "row_count", "ingested_at")}
        record = _record(landed, checksum, "registered", None) | spans
        with self.store.transaction():
            self.replace_manifest(pd.DataFrame([record]), [landed.key])
            self.store.update("landing_manifest", _duplicate_of(landed.key), eq("key", twin["key"]))
            self.move_rows(twin["key"], landed.key, landed.vendor, f"{landed.key} read instead of {twin['key']}")
        self.found.events.append(f"{landed.key}: same content as {twin['key']}, read instead of it")

    def hand_over(self, key: str, seen: pd.Series) -> bool:
        """A registered price file gone while a duplicate of the same vendor stays: the first duplicate is read
        from now on, its rows moved to it as in take_over. False when there is no such duplicate."""
        twins = self.store.read("landing_manifest", eq("dataset", "prices"), eq("checksum", seen["checksum"]))
        heirs = twins[(twins["status"] == "duplicate") & (twins["vendor"] == seen["vendor"]) & (twins["key"] != key)]
        if seen["status"] != "registered" or heirs.empty:
            return False
        heir = heirs["key"].min()
        spans = {column: seen[column] for column in ("first_date", "last_date", "row_count", "ingested_at")}
        with self.store.transaction():
            self.store.update("landing_manifest", {"status": "registered", "error": None, **spans}, eq("key", heir))
            self.store.delete("landing_manifest", eq("key", key))
            self.move_rows(key, heir, seen["vendor"], f"{heir} read instead of {key}, which was removed")
        self.found.events.append(f"{key}: removed; {heir}, its duplicate, is read instead")
        return True

    def move_rows(self, old: str, new: str, vendor: str, reason: str) -> None:
        """Rows read from `old` now come from `new` (the same bytes): raw, validated and quarantined rows renamed;
        the name-days another file of the vendor also holds are marked, as the tie-break by file may change."""
        for table in ("raw_prices", "prices", "quarantine"):
            self.store.update(table, {"source_file": new}, eq("source_file", old))
        moved = self.store.distinct("raw_prices", ["date", "ticker"], eq("source_file", new))
        if moved.empty:
            return
        rows = self.store.read(
            "raw_prices",
            eq("vendor", vendor),
            between("date", moved["date"].min(), moved["date"].max()),
            columns=["date", "ticker", "source_file"],
        )
        shared = rows[rows["source_file"] != new].merge(moved, on=["date", "ticker"])
        self.price_rows_changed(shared[["date", "ticker"]].drop_duplicates(), reason)

    def register_duplicate(self, landed: LandedFile, checksum: str, twin: str) -> None:
        """Bytes another file already holds: recorded, and read from the twin only (rows this key held go)."""
        record = _record(landed, checksum, "duplicate", f"same content as {twin}")
        with self.store.transaction():
            gone = self.store.distinct("raw_prices", ["date", "ticker"], eq("source_file", landed.key))
            self.replace_manifest(pd.DataFrame([record]), [landed.key])
            self.price_rows_changed(gone, f"{landed.key} is a duplicate of {twin}")
        self.found.events.append(f"{landed.key}: duplicate of {twin}")

    def queue(self, landed: LandedFile, checksum: str) -> None:
        """A new version of a price file, read and written with the batch it joins."""
        self.batch.append((landed, checksum))
        self.queued_weight += batch_weight(landed)
        if self.queued_weight >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the queued price file versions in one transaction: their manifest rows, their unplaceable rows
        quarantined, and the days where their rows differ from what raw_prices holds from them marked."""
        queued, self.batch, self.queued_weight = self.batch, [], 0
        if not queued:
            return
        keys = [landed.key for landed, _ in queued]
        version = price_versions(self.zone, queued)
        with self.store.transaction():
            changed = self.store.changed_raw_rows(keys, version.placed)
            self.replace_manifest(version.records, keys)
            self.store.land_price_rows(version.contents, version.landed)
            self.store.replace(
                "quarantine", version.quarantined, eq("dataset", "raw_prices"), isin("source_file", keys)
            )
            self.price_rows_changed(changed[["date", "ticker"]], _batch_reason(keys, version))
        counts = changed.groupby("source_file").size()
        self.found.failed |= version.failed
        for key in keys:
            rows = f"{int(counts.get(key, 0)):,} rows new or changed"
            self.found.events.append(f"{key}: {version.failed.get(key) or rows}")

    def replace_manifest(self, records: pd.DataFrame, keys: list[str]) -> None:
        """The manifest rows of `keys` replaced by `records`, and the landed rows of contents they no longer hold
        (no other readable file holding them) dropped."""
        before = self.store.read("landing_manifest", isin("key", keys), eq("dataset", "prices"), columns=["checksum"])
        self.store.replace("landing_manifest", records, isin("key", keys))
        self.store.release_landed_rows(list(before["checksum"]))

    def register_reference(self, landed: LandedFile, checksum: str) -> None:
        """A new version of a security master or fundamentals file: its manifest row, and its asset marked."""
        try:
            parsed, error = layout_for(landed.vendor, landed.dataset).parse(self.zone.local_path(landed)), None
        except VendorFileError as exc:
            parsed, error = None, str(exc)
        record = _record(landed, checksum, "failed" if error else "registered", error)
        with self.store.transaction():
            self.store.replace("landing_manifest", pd.DataFrame([record]), eq("key", landed.key))
            self.changed(self.reference_marks(landed.dataset, parsed, landed.key), None, f"{landed.key} changed")
        if error:
            self.found.failed[landed.key] = error
        self.found.events.append(f"{landed.key}: {error or 'new or changed'}")

    def reference_marks(self, dataset: str, parsed, key: str = "") -> dict[str, set[str]]:
        """The partitions a reference file affects: the security master, the corporate actions of the ticker its
        name carries, or the fundamentals of the tickers it names (every known ticker when it names its filer by
        CIK or cannot be read)."""
        if dataset == "securities":
            return {"securities": {UNPARTITIONED}}
        if dataset == "corporate_actions":
            ticker = name_ticker(key)
            return {"corporate_actions": {ticker} if ticker else set(self.tickers)}
        named = set() if parsed is None or parsed.cik is not None else set(parsed.rows["ticker"].dropna())
        return {"fundamentals": (named & set(self.tickers)) or set(self.tickers)}

    def refuse(self, entry: RefusedFile, seen: pd.Series | None) -> None:
        """A file no layout may read: a failed manifest row saying why (what it replaces is forgotten first)."""
        self.found.failed[entry.key] = entry.problem
        if seen is not None and seen["status"] == "failed" and seen["error"] == entry.problem:
            return
        if seen is not None:
            self.forget(entry.key, seen)
        parts = entry.key.split("/")
        record = {
            **_record(LandedFile(entry.key, 0, "", 0.0), "", "failed", entry.problem),
            "vendor": parts[1] if len(parts) == 3 else "",
            "dataset": parts[0] if len(parts) == 3 and parts[0] in DATASETS else "",
        }
        self.store.replace("landing_manifest", pd.DataFrame([record]), eq("key", entry.key))
        self.found.events.append(f"{entry.key}: refused: {entry.problem}")

    def forget(self, key: str, seen: pd.Series) -> None:
        """A file gone from the zone: its manifest row and quarantined rows go, and what it fed is marked (a
        price file with a duplicate hands its rows over instead)."""
        if seen["dataset"] == "prices" and self.hand_over(key, seen):
            return
        with self.store.transaction():
            if seen["dataset"] == "prices":
                rows = self.store.distinct("raw_prices", ["date", "ticker"], eq("source_file", key))
                self.price_rows_changed(rows, f"{key} removed")
            elif seen["dataset"] in REFERENCE_DATASETS and seen["status"] == "registered":
                self.changed(self.reference_marks(seen["dataset"], None, key), None, f"{key} removed")
            self.store.delete("landing_manifest", eq("key", key))
            self.store.delete("quarantine", eq("dataset", "raw_prices"), eq("source_file", key))
            if seen["dataset"] == "prices":
                self.store.release_landed_rows([seen["checksum"]])
        self.found.events.append(f"{key}: removed")

    def resolve_duplicates(self) -> None:
        """Of files with the same bytes in a dataset the one whose key sorts first is read, the others are
        duplicates; a price file changing side marks the days it covers (its rows join or leave raw_prices)."""
        columns = ["key", "dataset", "checksum", "status", "first_date", "last_date"]
        files = self.store.read("landing_manifest", columns=columns)
        for _, group in files[files["status"].isin(READABLE)].groupby(["dataset", "checksum"]):
            first = group["key"].min()
            for row in group.itertuples():
                wanted = "registered" if row.key == first else "duplicate"
                if row.status != wanted:
                    self.change_side(row, wanted, None if wanted == "registered" else f"same content as {first}")

    def change_side(self, row, status: str, error: str | None) -> None:
        with self.store.transaction():
            self.store.update("landing_manifest", {"status": status, "error": error}, eq("key", row.key))
            if row.dataset == "prices" and pd.notna(row.first_date):
                days = pd.DataFrame({"date": trading_days(row.first_date, row.last_date), "ticker": None})
                self.price_rows_changed(days, f"{row.key} is now {status}", every_name=True)
            elif row.dataset != "prices":
                self.changed(self.reference_marks(row.dataset, None, row.key), None, f"{row.key} is now {status}")
        self.found.events.append(f"{row.key}: {status}{'' if error is None else f' ({error})'}")

    def price_rows_changed(self, rows: pd.DataFrame, reason: str, every_name: bool = False) -> None:
        """Mark the raw_prices partitions holding these (date, ticker) rows (repeats allowed): a date's partition is
        the trading day on or before it (a weekend row belongs to Friday's window)."""
        if rows.empty:
            return
        newest = max(pd.Timestamp(rows["date"].max()), pd.Timestamp(calendar_start()))
        sessions = trading_days(calendar_start(), newest)
        position = np.searchsorted(sessions.values, pd.DatetimeIndex(rows["date"]).values, side="right") - 1
        keys = set(sessions[np.unique(position[position >= 0])].strftime("%Y-%m-%d"))  # one string per day, not row
        self.changed({"raw_prices": keys}, None if every_name else set(rows["ticker"].dropna().unique()), reason)

    def changed(self, marks: dict[str, set[str]], names: set[str] | None, reason: str) -> None:
        self.on_change(self.store, marks, names, reason)
        for asset, keys in marks.items():
            self.found.changes.setdefault(asset, set()).update(keys)


@dataclass(frozen=True)
class PriceVersions:
    """New versions of price files, read: their manifest rows, the rows a partition can hold (with source_file),
    their quarantined rows, why each unreadable one cannot be read, and their contents (vendor, checksum) with
    the rows kept for raw_prices (the placeable ones and those dated after today, by content)."""

    records: pd.DataFrame
    placed: pd.DataFrame
    quarantined: pd.DataFrame
    failed: dict[str, str]
    contents: pd.DataFrame
    landed: pd.DataFrame


def price_versions(zone: LandingZoneResource, queued: list[tuple[LandedFile, str]]) -> PriceVersions:
    """Read the price files at once and sort their rows: placeable, quarantined, or before the calendar start
    (counted in the manifest)."""
    rows, failed = read_price_files(zone, [landed for landed, _ in queued])
    reason = unplaceable(rows, dt.date.today())
    early, bad = reason == BEFORE_START, reason.notna() & (reason != BEFORE_START)
    placed = rows.loc[reason.isna(), [*RAW_ROW_COLUMNS, "source_file"]]
    checksums = {f.key: checksum for f, checksum in queued}
    kept = rows[reason.isna() | (reason == FUTURE_DATE)]
    kept_rows = kept[[*RAW_ROW_COLUMNS, "vendor"]].assign(checksum=kept["source_file"].map(checksums))
    contents = pd.DataFrame({"vendor": [f.vendor for f, _ in queued], "checksum": [c for _, c in queued]})
    rejected = rows[bad]
    quarantined = quarantine_rows(rejected, "raw_prices", reason[bad], rejected["vendor"], rejected["source_file"])
    stats = file_figures(rows, placed=reason.isna(), early=early)
    records = []
    for landed, checksum in queued:
        error = failed.get(landed.key)
        record = _record(landed, checksum, "failed" if error else "registered", error)
        if landed.key in stats.index:
            record |= {k: v for k, v in stats.loc[landed.key].items() if pd.notna(v)}
        records.append(record)
    return PriceVersions(pd.DataFrame(records), placed, quarantined, failed, contents, kept_rows)


def file_figures(rows: pd.DataFrame, placed: pd.Series, early: pd.Series) -> pd.DataFrame:
    """Per source file, in one grouping: its rows, the first and last day of its placed rows, and how many rows
    fall before the calendar start and the earliest of them (missing where a file has none of either)."""
    dates = rows[["source_file"]].assign(
        all=rows["date"], placed=rows["date"].where(placed), early=rows["date"].where(early)
    )
    figures = dates.groupby("source_file", observed=True).agg(
        row_count=("all", "size"),
        first_date=("placed", "min"),
        last_date=("placed", "max"),
        rows_before_start=("early", "count"),
        earliest_date=("early", "min"),
    )
    return figures.assign(rows_before_start=figures["rows_before_start"].where(figures["rows_before_start"] > 0))


def _batch_reason(keys: list[str], version: PriceVersions) -> str:
    if len(keys) == 1:
        return f"{keys[0]} {'cannot be read' if version.failed else 'changed'}"
    return f"{len(keys)} price files new or changed ({keys[0]} .. {keys[-1]})"


def _start_moved_back(seen: pd.Series) -> bool:
    """A price file with rows before the calendar start it was registered under, and the start is earlier now
    (STRATENGINE_START_DATE moved back): read it again, so those rows are ingested."""
    early = seen.get("rows_before_start")
    then = seen.get("registered_start")
    return bool(pd.notna(early) and early > 0 and pd.notna(then) and pd.Timestamp(calendar_start()) < then)


def _holds_no_rows(seen: pd.Series | None) -> bool:
    """True when the key has no readable version registered (its rows in raw_prices are none)."""
    return seen is None or seen["status"] != "registered"


def name_ticker(key: str) -> str | None:
    """The ticker a landed file's name carries, for layouts that take it from there (None otherwise)."""
    if key.count("/") != 2:
        return None
    dataset, vendor, name = key.split("/")
    try:
        layout = layout_for(vendor, dataset)
    except VendorFileError:
        return None
    return layout.ticker_from_name(name) if layout.ticker_from_name else None


def content_id(landed: LandedFile, digest: str) -> str:
    """What makes two files copies of each other: their bytes, and the ticker the name carries (two Yahoo files
    with only a header say the same of two different tickers)."""
    ticker = name_ticker(landed.key)
    return digest if ticker is None else f"{digest}:{ticker}"


def _duplicate_of(key: str) -> dict:
    return {
        "status": "duplicate",
        "error": f"same content as {key}",
        "first_date": None,
        "last_date": None,
        "row_count": None,
        "ingested_at": None,
    }


def _record(landed: LandedFile, checksum: str, status: str, error: str | None) -> dict:
    """A file version's manifest row; the dates it covers and its row count are added by the caller."""
    return {
        "key": landed.key,
        "vendor": landed.vendor if landed.key.count("/") == 2 else "",
        "dataset": landed.dataset if landed.key.count("/") == 2 else "",
        "size": landed.size,
        "version": landed.version,
        "checksum": checksum,
        "modified": pd.Timestamp(landed.modified, unit="s"),
        "first_date": None,
        "last_date": None,
        "row_count": None,
        "rows_before_start": None,
        "earliest_date": None,
        "registered_start": pd.Timestamp(calendar_start()),
        "status": status,
        "error": error,
        "registered_at": utc_now(),
    }

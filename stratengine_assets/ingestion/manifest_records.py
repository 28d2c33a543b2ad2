"""The landing manifest's rows: one per landed file version, with what it covers and whether it could be read."""

from __future__ import annotations

import pandas as pd

from resources.landing_zone import LandedFile, LandingZoneResource, file_digest
from storage.warehouse import Warehouse, eq
from stratengine_assets.common.clock import utc_now

MANIFEST_COLUMNS = ["key", "version", "checksum", "first_date", "last_date", "status", "error"]


def manifest(store: Warehouse, dataset: str) -> pd.DataFrame:
    """The dataset's file versions by key: version, checksum, dates covered, status, error."""
    return store.read("landing_manifest", eq("dataset", dataset), columns=MANIFEST_COLUMNS).set_index("key")


def file_record(landed: LandedFile, checksum: str, status: str, error: str | None, **covered) -> dict:
    """One manifest row; `covered` adds first_date, last_date, row_count or ingested_at where known."""
    return {
        "key": landed.key,
        "vendor": landed.vendor,
        "dataset": landed.dataset,
        "size": landed.size,
        "version": landed.version,
        "checksum": checksum,
        "modified": pd.Timestamp(landed.modified, unit="s"),
        "status": status,
        "error": error,
        "registered_at": utc_now(),
        **covered,
    }


def record_reference_files(store: Warehouse, zone: LandingZoneResource, dataset: str, failed: dict[str, str]) -> None:
    """Record the security-master or fundamentals files an asset just read, as ingested (or failed, and why)."""
    rows = []
    for landed in zone.files(dataset):
        status, error = ("failed", failed[landed.key]) if landed.key in failed else ("registered", None)
        record = file_record(landed, file_digest(zone.local_path(landed)), status, error)
        rows.append({**record, "ingested_at": None if landed.key in failed else record["registered_at"]})
    store.replace("landing_manifest", pd.DataFrame(rows), eq("dataset", dataset))

"""Reading the landing manifest: the files an asset may read, the ones that failed, and which were read when."""

from __future__ import annotations

from collections.abc import Iterable

from resources.landing_zone import LandedFile, LandingZoneResource
from storage.warehouse import Warehouse, eq, isin
from stratengine_assets.common.clock import utc_now


def registered_files(store: Warehouse, zone: LandingZoneResource, dataset: str) -> list[LandedFile]:
    """The dataset's files the manifest holds as readable (not failed, not duplicates), still in the zone."""
    keys = set(
        store.read("landing_manifest", eq("dataset", dataset), eq("status", "registered"), columns=["key"])["key"]
    )
    return [landed for landed in zone.files(dataset) if landed.key in keys]


def failed_files(store: Warehouse, dataset: str | None = None) -> dict[str, str]:
    """Files that cannot be read, of one dataset or all, and why."""
    where = [eq("status", "failed"), *([eq("dataset", dataset)] if dataset else [])]
    rows = store.read("landing_manifest", *where, columns=["key", "error"], order_by=["key"])
    return dict(zip(rows["key"], rows["error"], strict=True))


def mark_ingested(store: Warehouse, keys: Iterable[str]) -> None:
    """Stamp the files an asset just read."""
    store.update("landing_manifest", {"ingested_at": utc_now()}, isin("key", sorted(set(keys))))

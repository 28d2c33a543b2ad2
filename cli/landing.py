"""`stratengine land`: copy vendor files into the landing zone and register them in the manifest."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dagster import DagsterInstance

from cli.reports import land_summary
from partitions.definitions import add_tickers
from stratengine_assets.ingestion.landed_tickers import landed_tickers
from stratengine_assets.ingestion.registration import register_files
from stratengine_assets.lineage.plan import propagate
from vendors.files import VendorFileError
from vendors.registry import detect_layout, layout_for


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and the files inside named folders (not hidden ones, not symlinks)."""
    files = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            files += sorted(p for p in path.iterdir() if not p.is_dir() and not p.name.startswith("."))
        elif path.is_file() or path.is_symlink():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return files


def land_files(paths: list[Path], resources: dict, instance: DagsterInstance, vendor: str | None) -> dict:
    """Land every file, register the zone, add new tickers; returns what happened to each file."""
    zone, warehouse = resources["landing_zone"], resources["warehouse"]
    keys, refused = [], {}
    for path in expand(paths):
        try:
            layout = layout_for(vendor) if vendor else detect_layout(path)
            keys.append(zone.land(path, layout.dataset, layout.name))
        except (VendorFileError, ValueError) as exc:
            refused[str(path)] = str(exc)
    tickers = add_tickers(instance, landed_tickers(zone))
    with warehouse.session() as store:
        register_files(store, zone, tickers, lambda s, marks, names, why: propagate(s, instance, marks, names, why))
        manifest, quarantined = land_summary(store, keys)
    return {
        "landed": keys,
        "refused": refused,
        "manifest": manifest,
        "quarantined": quarantined,
        "tickers": len(tickers),
    }

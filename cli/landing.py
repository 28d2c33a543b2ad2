"""`stratengine land`: copy vendor files into the landing zone and register them in the manifest."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dagster import DagsterInstance

from cli.reports import land_summary
from partitions.definitions import add_tickers
from stratengine_assets.ingestion.landed_tickers import landed_tickers
from stratengine_assets.ingestion.price_files import register_price_files
from vendors.files import VendorFileError
from vendors.registry import detect_layout, layout_for


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and the files inside named folders (not hidden ones)."""
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return files


def land_files(paths: list[Path], resources: dict, instance: DagsterInstance, vendor: str | None) -> dict:
    """Land every file, register the price files, add new tickers; returns what happened to each file."""
    zone, warehouse = resources["landing_zone"], resources["warehouse"]
    keys, refused = [], {}
    for path in expand(paths):
        try:
            layout = layout_for(vendor) if vendor else detect_layout(path)
            keys.append(zone.land(path, layout.dataset, layout.name))
        except (VendorFileError, ValueError) as exc:
            refused[str(path)] = str(exc)
    with warehouse.session() as store:
        register_price_files(store, zone)
        manifest, quarantined = land_summary(store, keys)
    tickers = add_tickers(instance, landed_tickers(zone))
    return {
        "landed": keys,
        "refused": refused,
        "manifest": manifest,
        "quarantined": quarantined,
        "tickers": len(tickers),
    }

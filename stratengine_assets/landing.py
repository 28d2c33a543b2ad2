"""`stratengine land`: copy vendor files into the landing zone and register them in the manifest."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from dagster import DagsterInstance

from partitions.definitions import add_tickers
from resources.vendors import VendorFileError
from resources.vendors.detect import dataset_of, detect_vendor
from resources.warehouse import member_of
from stratengine_assets.ingestion.manifest import landed_tickers, register_price_files


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
            name = vendor or detect_vendor(path)
            keys.append(zone.land(path, dataset_of(name), name))
        except (VendorFileError, ValueError) as exc:
            refused[str(path)] = str(exc)
    with warehouse.get_connection() as conn:
        register_price_files(conn, zone)
        manifest = conn.execute(
            "SELECT key, status, error, row_count, first_date, last_date FROM landing_manifest "
            f"WHERE {member_of('key')}",
            [keys],
        ).df()
        quarantined = conn.execute(
            f"SELECT reason, count(*) AS n FROM quarantine WHERE {member_of('source_file')} GROUP BY 1", [keys]
        ).df()
    tickers = add_tickers(instance, landed_tickers(zone))
    return {
        "landed": keys,
        "refused": refused,
        "manifest": manifest,
        "quarantined": quarantined,
        "tickers": len(tickers),
    }


def format_land_summary(summary: dict) -> str:
    manifest: pd.DataFrame = summary["manifest"]
    failed = manifest[manifest["status"] == "failed"]
    lines = [
        f"{len(summary['landed'])} files landed, {len(summary['refused'])} refused, "
        f"{int(manifest['row_count'].fillna(0).sum()):,} price rows registered, {summary['tickers']} tickers known"
    ]
    for _, row in summary["quarantined"].iterrows():
        lines.append(f"  quarantined {row['n']:,} rows: {row['reason']}")
    for key, error in [*summary["refused"].items(), *zip(failed["key"], failed["error"], strict=True)]:
        lines.append(f"  FAILED {key}: {error}")
    return "\n".join(lines)

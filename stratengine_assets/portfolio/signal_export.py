"""signal_export: each configured strategy's signals as a QuantConnect LEAN custom-data CSV (quant/lean_export.py),
written to <export dir>/lean/<strategy_id>.csv, each file replaced atomically."""

from pathlib import Path

import pandas as pd
from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue

from quant.lean_export import lean_rows, write_lean_csv
from resources import PipelineSettings, WarehouseResource
from storage.warehouse import Warehouse, eq
from stratengine_assets.common.policies import warehouse_asset
from stratengine_assets.common.staleness import UNPARTITIONED, settle

SIGNAL_COLUMNS = ["symbol", "timestamp", "signal"]


def strategy_rows(store: Warehouse, strategy_ids: list[str]) -> dict[str, pd.DataFrame]:
    """Per strategy, its LEAN lines' fields (empty for a strategy without signals)."""
    return {
        sid: lean_rows(store.read("signals", eq("strategy_id", sid), columns=SIGNAL_COLUMNS)) for sid in strategy_ids
    }


def file_metadata(sid: str, rows: pd.DataFrame, path: Path) -> dict:
    """Rows, path, and first and last date of one strategy's file."""
    metadata = {f"{sid}/rows": len(rows), f"{sid}/path": MetadataValue.path(str(path))}
    if not rows.empty:
        first, last = (pd.Timestamp(rows["date"].iloc[i]).date().isoformat() for i in (0, -1))
        metadata |= {f"{sid}/first_date": first, f"{sid}/last_date": last}
    return metadata


@warehouse_asset(group_name="portfolio", kinds={"duckdb", "csv"}, deps=["signals"])
def signal_export(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """One LEAN file per strategy, `YYYYMMDD,SYMBOL,signal`, dated by the first session each signal may trade; a
    strategy without signals gets an empty file (so an older export cannot pass for current) and is named in the
    metadata."""
    folder = settings.export_root() / "lean"
    with warehouse.session() as store:
        frames = strategy_rows(store, list(settings.strategy_book().strategies))
        if not any(len(rows) for rows in frames.values()):
            raise Failure(
                f"signal_export: the warehouse holds no signals for {sorted(frames)}; materialize signals first"
            )
        metadata = {}
        for sid, rows in frames.items():
            metadata |= file_metadata(sid, rows, write_lean_csv(rows, folder / f"{sid}.csv"))
        settle(store, "signal_export", [UNPARTITIONED])
    empty = sorted(sid for sid, rows in frames.items() if rows.empty)
    for sid in empty:
        context.log.warning(f"{sid}: no signals in the warehouse; {folder / f'{sid}.csv'} is empty")
    return MaterializeResult(
        metadata={
            "export_dir": MetadataValue.path(str(folder)),
            "rows": sum(len(rows) for rows in frames.values()),
            "strategies_without_signals": MetadataValue.json(empty),
            **metadata,
        }
    )

"""Two warehouses compared table for table: the same rows, numbers equal to a tolerance, timestamps aside.
A table whose rows are the same to the bit is told so by a fingerprint in SQL; only a table that differs there is
loaded and compared with the tolerance.

    python -m storage.compare A.duckdb B.duckdb [--tolerance 1e-9] [--memory-limit 1500MB]

prints one line per table and exits 1 when any table differs. `differences()` is the same check for tests.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from storage.duckdb_backend import DuckDBWarehouse
from storage.schema import TABLES
from storage.warehouse import Warehouse

# when a row was written or a file seen, not what it holds
RECORDED_AT = (
    "ingested_at",
    "registered_at",
    "detected_at",
    "computed_at",
    "modified",
    "version",
    "marked_at",
    "built_at",
)
# DuckDB's cap per warehouse, both together the pipeline's 3 GB: uncapped (80% of RAM), fingerprinting two 5,000 x
# 2,520 builds peaked at 10.9 GB in 49 s; at 1.5 GB each, 3.2 GB in 17 s (6.2 GB in 16 s at 3 GB each)
MEMORY_LIMIT = "1500MB"
# columns that say how a row came about, not what it holds, per table
HOW = {"stale_partitions": ("reason",), "changed_partitions": ("reason",)}


def comparable(frame: pd.DataFrame, ignore: Iterable[str] = RECORDED_AT) -> pd.DataFrame:
    """The frame without the ignored columns, its columns in name order, rows sorted by every column."""
    frame = frame.drop(columns=[c for c in ignore if c in frame.columns])
    frame = frame[sorted(frame.columns)]
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    keys = [c for c in frame.columns if c not in floats]
    order = frame[keys].astype(str).assign(**{c: frame[c].round(9) for c in floats})
    return frame.loc[order.sort_values(list(order.columns), kind="stable").index].reset_index(drop=True)


def table_difference(a: pd.DataFrame, b: pd.DataFrame, tolerance: float) -> str | None:
    """Why two comparable frames differ (None when they agree)."""
    if list(a.columns) != list(b.columns):
        return f"columns differ: {sorted(set(a.columns) ^ set(b.columns))}"
    if len(a) != len(b):
        return f"{len(a):,} rows against {len(b):,}"
    for column in a.columns:
        left, right = a[column], b[column]
        if pd.api.types.is_float_dtype(left) and pd.api.types.is_float_dtype(right):
            x, y = left.to_numpy(dtype=float), right.to_numpy(dtype=float)
            same = (np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= tolerance * np.maximum(1.0, np.abs(x)))
        else:
            same = (left.isna() & right.isna()) | (left.astype(str) == right.astype(str))
        if not np.asarray(same).all():
            bad = int((~np.asarray(same)).sum())
            return f"column {column}: {bad:,} of {len(a):,} rows differ"
    return None


def differences(a: Warehouse, b: Warehouse, tolerance: float = 1e-9, tables: Iterable[str] = TABLES) -> dict:
    """Per table: None where the two agree, else what differs."""
    held = a.tables(), b.tables()
    found = {}
    for table in tables:
        if table not in held[0] or table not in held[1]:
            found[table] = None if table not in held[0] | held[1] else "held by one warehouse only"
        else:
            ignore = (*RECORDED_AT, *HOW.get(table, ()))
            if a.fingerprint(table, ignore) == b.fingerprint(table, ignore):
                found[table] = None  # the same rows to the bit: nothing to load (48 M signal rows would not fit)
                continue
            found[table] = table_difference(
                comparable(a.read(table), ignore), comparable(b.read(table), ignore), tolerance
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--tolerance", type=float, default=1e-9)
    parser.add_argument(
        "--memory-limit", default=MEMORY_LIMIT, help="DuckDB's cap per warehouse (its own default is 80%% of RAM)"
    )
    args = parser.parse_args(argv)
    config = {"memory_limit": args.memory_limit}
    with (
        duckdb.connect(args.first, read_only=True, config=config) as one,
        duckdb.connect(args.second, read_only=True, config=config) as two,
    ):
        found = differences(DuckDBWarehouse(one), DuckDBWarehouse(two), args.tolerance)
        rows = {t: DuckDBWarehouse(one).count(t) if t in DuckDBWarehouse(one).tables() else 0 for t in found}
    for table, why in found.items():
        print(f"{table:<26}{rows[table]:>12,} rows  {'same' if why is None else 'DIFFERENT: ' + why}")
    print(
        f"{sum(why is None for why in found.values())} of {len(found)} tables the same (tolerance {args.tolerance:g})"
    )
    return 0 if all(why is None for why in found.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

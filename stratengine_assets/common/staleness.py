"""Stale partitions, kept in the warehouse: which partitions of which asset must be computed again, and why.

Registration marks the partitions a landed file changed; the planner marks everything downstream of a mark
(stratengine_assets/lineage); each asset settles its own marks in the transaction that writes its rows, so a crash
before that leaves them for the next plan. An asset whose readers reach past what actually changes (prices: a raw
row is read by the move rule 10 sessions either side) reports, in the same transaction, the partitions whose rows
did change (`changed_partitions`); the planner marks their readers and clears the report. The key of an
unpartitioned asset's only partition is "". Settling also records the keys as built (`built_partitions`): a
time-series asset's keys here are trading days, finer than its Dagster partitions (months), so what was never built
is told from this ledger, not from Dagster's materializations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from storage.warehouse import Warehouse, eq, isin
from stratengine_assets.common.clock import utc_now

UNPARTITIONED = ""


def mark(store: Warehouse, asset: str, keys: Iterable[str], reason: str) -> int:
    """Record the partitions as stale; ones already marked keep their first reason. Returns how many were new."""
    return _add_new(store, "stale_partitions", asset, keys, reason)


def _add_new(store: Warehouse, table: str, asset: str, keys: Iterable[str], reason: str) -> int:
    """Rows (asset, key, reason, now) for the keys the table does not hold for the asset yet; how many."""
    wanted = sorted(set(keys))
    if not wanted:
        return 0
    known = set(store.read(table, eq("asset", asset), columns=["partition_key"])["partition_key"])
    new = [key for key in wanted if key not in known]
    rows = pd.DataFrame({"asset": asset, "partition_key": new, "reason": reason, "marked_at": utc_now()})
    return store.append(table, rows) if new else 0


def mark_all(store: Warehouse, marks: Mapping[str, Iterable[str]], reason: str) -> int:
    return sum(mark(store, asset, keys, reason) for asset, keys in marks.items())


def settle(store: Warehouse, asset: str, keys: Iterable[str]) -> None:
    """The asset has just written these partitions from current inputs: they are no longer stale, and built."""
    keys = list(keys)
    store.delete("stale_partitions", eq("asset", asset), isin("partition_key", keys))
    known = built(store, asset)
    new = sorted(set(keys) - known)
    if new:
        store.append("built_partitions", pd.DataFrame({"asset": asset, "partition_key": new, "built_at": utc_now()}))


def built(store: Warehouse, asset: str) -> set[str]:
    """Every partition key the asset has settled (built from its inputs at least once)."""
    return set(store.read("built_partitions", eq("asset", asset), columns=["partition_key"])["partition_key"])


def stale_keys(store: Warehouse, asset: str) -> set[str]:
    """The asset's stale partition keys."""
    return set(store.read("stale_partitions", eq("asset", asset), columns=["partition_key"])["partition_key"])


def stale(store: Warehouse) -> dict[str, set[str]]:
    """Every stale partition key, by asset."""
    rows = store.read("stale_partitions", columns=["asset", "partition_key"])
    return {asset: set(group["partition_key"]) for asset, group in rows.groupby("asset")}


def reasons(store: Warehouse, asset: str) -> list[str]:
    """Why the asset's partitions are stale, one line per reason with how many partitions it covers."""
    rows = store.read("stale_partitions", eq("asset", asset), columns=["reason"])
    return [f"{reason} ({n} partitions)" for reason, n in rows["reason"].value_counts().sort_index().items()]


def report_changes(store: Warehouse, asset: str, keys: Iterable[str], reason: str) -> int:
    """Record that the asset's rows changed on these partitions (their readers are marked by the next plan)."""
    return _add_new(store, "changed_partitions", asset, keys, reason)


def reported_changes(store: Warehouse) -> dict[str, dict[str, str]]:
    """Every reported change not yet followed to its readers: by asset, each partition key with its reason."""
    rows = store.read("changed_partitions", columns=["asset", "partition_key", "reason"])
    return {asset: dict(zip(g["partition_key"], g["reason"], strict=True)) for asset, g in rows.groupby("asset")}


def stale_reasons(store: Warehouse, asset: str, keys: Iterable[str]) -> str:
    """The distinct reasons these partitions of the asset are stale, joined (what a run of them answers)."""
    rows = store.read("stale_partitions", eq("asset", asset), isin("partition_key", list(keys)), columns=["reason"])
    return "; ".join(sorted(set(rows["reason"])))[:1000] or "never materialized"


def clear_changes(store: Warehouse, changes: Mapping[str, Iterable[str]]) -> None:
    """These reported changes have been followed: their readers are marked."""
    for asset, keys in changes.items():
        store.delete("changed_partitions", eq("asset", asset), isin("partition_key", list(keys)))

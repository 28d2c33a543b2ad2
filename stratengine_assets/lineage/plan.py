"""The plan: which partitions of which assets to compute now, in dependency order, and why.

Work is every stale mark (closed under the asset graph) and every partition Dagster has never materialized, in
two phases: ingestion first (raw and validated prices, the security master, fundamentals), and only when it has
nothing left, everything built on it. A trading day is built on only once it is complete: it prices at least
STRATENGINE_MIN_COVERAGE of the most names priced in the five sessions before it; an incomplete day is held back
and reported until more files arrive. Research (the grid, out of sample) and the investor portfolio are planned
only on request.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from dagster import AssetKey, DagsterInstance

from partitions import month_keys, range_tags, ticker_groups, tickers_partitions
from partitions.definitions import add_tickers
from quant.calendar import trading_days
from resources import LandingZoneResource
from resources.settings import calendar_end, calendar_start
from storage.warehouse import Warehouse
from stratengine_assets.common.completeness import complete_days
from stratengine_assets.common.partition_range import TRIGGER_TAG
from stratengine_assets.common.staleness import (
    UNPARTITIONED,
    built,
    clear_changes,
    mark_all,
    reasons,
    reported_changes,
    stale,
)
from stratengine_assets.ingestion.landed_tickers import landed_tickers
from stratengine_assets.ingestion.registration import Registration, register_files
from stratengine_assets.lineage.graph import asset_graph
from stratengine_assets.lineage.propagation import Domain, by_day, downstream
from stratengine_assets.lineage.retirement import retire_uncovered_days

INGESTION = ("raw_prices", "prices", "securities", "fundamentals", "corporate_actions")
# not planned by `update` or the sensor; signal_export fails when there are no signals, so a plan would retry it
ON_REQUEST = ("backtest_grid", "oos_simulation", "investor_portfolio", "signal_export")
RESEARCH = ("backtest_grid", "oos_simulation")
REPORTING = frozenset({"prices"})  # assets whose runs report the partitions they changed (see common/staleness.py)


@dataclass(frozen=True)
class Step:
    """One asset's work: `keys` and `ranges` in its units of work (trading days, tickers), `partitions` the
    Dagster partitions holding them (months, ticker groups) and `runs` their ranges to launch, one run each."""

    asset: AssetKey
    keys: tuple[str, ...]
    ranges: tuple[tuple[str, str], ...]
    why: tuple[str, ...]
    partitions: tuple[str, ...] = ()
    runs: tuple[tuple[str, str], ...] = ()
    unit: str = ""  # "day" or "ticker" for a partitioned asset

    @property
    def partition_keys(self) -> list[str]:
        """The Dagster partition keys the step materializes."""
        return list(self.partitions)

    @property
    def count(self) -> int:
        return len(self.keys)

    @property
    def name(self) -> str:
        return self.asset.to_user_string()

    def run_tags(self, first: str, last: str) -> dict[str, str]:
        trigger = "; ".join(self.why)[:1000] or "never materialized"
        tags = {TRIGGER_TAG: trigger}
        return tags if first == last == UNPARTITIONED else {**range_tags(first, last), **tags}


@dataclass
class Plan:
    phase: str
    steps: list[Step] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # trading day -> why it is not built on yet

    def describe(self) -> str:
        lines = [f"{step.name}: {_count(step)} {_spans(step.ranges)}" for step in self.steps]
        return "\n".join(lines) or "nothing to do"

    def summary(self) -> str:
        """A line for a run's tags: the phase and the assets with their partition counts."""
        return json.dumps({"phase": self.phase, "steps": {s.name: s.count for s in self.steps}})


def domain(store: Warehouse, instance: DagsterInstance) -> Domain:
    """The trading days the registered price files cover (within the partitions), and the known tickers."""
    first, last = store.landed_price_span()
    newest = pd.Timestamp(min(dt.date.today(), calendar_end() or dt.date.max))
    days = [] if first is None else trading_days(max(first, calendar_start()), min(pd.Timestamp(last), newest))
    keys = [] if first is None else list(pd.DatetimeIndex(days).strftime("%Y-%m-%d"))
    return Domain(keys, instance.get_dynamic_partitions(tickers_partitions.name))


def propagate(store: Warehouse, instance: DagsterInstance, marks: dict[str, set[str]], names, reason: str) -> None:
    """Mark every partition downstream of these marks (a registration's changes), in the caller's transaction, up
    to the assets that report what their runs changed (REPORTING)."""
    mark_all(store, downstream(asset_graph(), marks, domain(store, instance), names, REPORTING), reason)


def register_zone(
    store: Warehouse, instance: DagsterInstance, zone: LandingZoneResource, budget_seconds: float | None = None
) -> Registration:
    """Register the landing zone as the sensor and `stratengine update` do: the tickers its files name added to the
    partitions, each change marked stale with everything downstream of it."""
    tickers = add_tickers(instance, landed_tickers(zone))
    on_change = lambda s, marks, names, why: propagate(s, instance, marks, names, why)  # noqa: E731
    return register_files(store, zone, tickers, on_change, budget_seconds)


def make_plan(store: Warehouse, instance: DagsterInstance, min_coverage: float, on_request: Iterable[str] = ()) -> Plan:
    """The next phase's work: ingestion while it has any, else everything built on it over complete days. Marks
    an asset made itself (fundamentals for the factor days its changed facts reach) are followed downstream
    here; marks on held days wait, so they reach their readers once the day is complete."""
    graph, scope = asset_graph(), domain(store, instance)
    retire_uncovered_days(store, graph, scope)
    wanted = {key for key in graph.toposorted_asset_keys if key.to_user_string() not in ON_REQUEST}
    wanted |= {AssetKey(name) for name in on_request}
    marks = stale(store)
    ingest = {key: _work(graph, store, instance, key, scope, marks) for key in wanted}
    ingest = {key: keys for key, keys in ingest.items() if key.to_user_string() in INGESTION and keys}
    if ingest:
        return Plan("ingest", _steps(graph, store, ingest, scope))
    complete, held = complete_days(store, scope.days, min_coverage)
    live = {asset: keys - held.keys() for asset, keys in marks.items()}
    with store.transaction():
        mark_all(store, downstream(graph, live, scope), "downstream of a stale partition")
        for asset, changes in reported_changes(store).items():
            followed = {key: why for key, why in changes.items() if key not in held}
            for why in sorted(set(followed.values())):
                keys = {key for key, reason in followed.items() if reason == why}
                reached = downstream(graph, {asset: keys}, scope)
                mark_all(store, {a: k for a, k in reached.items() if a != asset}, f"{asset} changed: {why}")
            clear_changes(store, {asset: set(followed)})
    marks = stale(store)
    work = {key: _work(graph, store, instance, key, scope, marks) for key in wanted}
    build = {key: _on_complete_days(graph, key, keys, complete) for key, keys in work.items()}
    waiting = {day: why for day, why in held.items() if any(day in keys for keys in work.values())}
    return Plan("build", _steps(graph, store, {key: keys for key, keys in build.items() if keys}, scope), waiting)


def _work(graph, store: Warehouse, instance: DagsterInstance, key: AssetKey, scope: Domain, marks) -> set[str]:
    return marks.get(key.to_user_string(), set()) | _never_built(graph, store, instance, key, scope)


def _never_built(graph, store: Warehouse, instance: DagsterInstance, key: AssetKey, scope: Domain) -> set[str]:
    """Trading days or tickers the asset has never settled (the warehouse's ledger), or for an unpartitioned asset
    {""} when Dagster has no materialization of it."""
    partitions_def = graph.get(key).partitions_def
    if partitions_def is None:
        return set() if instance.get_latest_materialization_event(key) or not scope.days else {UNPARTITIONED}
    everything = scope.days if by_day(partitions_def) else scope.tickers
    return set(everything) - built(store, key.to_user_string())


def _on_complete_days(graph, key: AssetKey, keys: set[str], complete: set[str]) -> set[str]:
    if by_day(graph.get(key).partitions_def):
        return keys & complete
    return keys


def _steps(graph, store: Warehouse, work: dict[AssetKey, set[str]], scope: Domain) -> list[Step]:
    """The work as steps in dependency order, each asset's keys cut into runs of consecutive partitions."""
    steps = []
    for key in graph.toposorted_asset_keys:
        keys = work.get(key)
        if not keys:
            continue
        partitions_def = graph.get(key).partitions_def
        if partitions_def is None:
            order = [UNPARTITIONED]
        elif by_day(partitions_def):
            order = list(scope.days)
        else:
            order = list(scope.tickers)
        ordered = tuple(item for item in order if item in keys)
        why = tuple(reasons(store, key.to_user_string()))
        ranges = tuple(_consecutive(order, keys))
        if partitions_def is None:
            steps.append(Step(key, ordered, ranges, why, (UNPARTITIONED,), ranges))
            continue
        all_keys = partitions_def.get_partition_keys()
        unit = "day" if by_day(partitions_def) else "ticker"
        partitions = month_keys(ordered) if unit == "day" else ticker_groups(ordered)
        runs = tuple(_consecutive(all_keys, set(partitions)))
        steps.append(Step(key, ordered, ranges, why, tuple(partitions), runs, unit))
    return steps


def _count(step: Step) -> str:
    if not step.unit:
        return f"{step.count:,} partitions"
    n, part = len(step.partitions), "month" if step.unit == "day" else "group"
    return f"{step.count:,} {step.unit}s in {n:,} {part}{'s' if n > 1 else ''}"


def _consecutive(order: list[str], keys: set[str]) -> list[tuple[str, str]]:
    """Runs of consecutive members of `order` that are in `keys`, as (first, last)."""
    runs, current = [], None
    for item in order:
        if item in keys:
            current = (current[0], item) if current else (item, item)
        elif current:
            runs.append(current)
            current = None
    return [*runs, current] if current else runs


def _spans(ranges: tuple[tuple[str, str], ...]) -> str:
    shown = ", ".join(first if first == last else f"{first}..{last}" for first, last in ranges[:4])
    return f"({shown}{', ...' if len(ranges) > 4 else ''})" if shown else ""

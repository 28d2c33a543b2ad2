"""From stale partitions to everything that reads them, by the windows the assets declare.

Marks on time-series assets are trading days (their Dagster partitions are months, too coarse to say what changed).
A trading-day child reading a parent's days [t + start, t + end] (common/windows.py READS) is stale on [d - end, d -
start] when the parent changed on day d; a self-dependent asset (the book a portfolio carries) is then stale on
every later day too. An unpartitioned parent or child stands for all partitions of the other side. Two edges are not
followed here: a ticker-partitioned child of a trading-day parent (frac_diff) takes the tickers whose rows changed,
which only the registration knows, and a trading-day child of a ticker-partitioned parent (factors of fundamentals,
universe and factors of price_basis) is marked by the parent itself, for the days its changed rows reach. A ticker-
partitioned child of a ticker-partitioned parent through an identity mapping (price_basis of corporate_actions)
takes the same tickers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from dagster import AssetKey, IdentityPartitionMapping, TimeWindowPartitionsDefinition

from stratengine_assets.common.staleness import UNPARTITIONED
from stratengine_assets.common.windows import day_window


@dataclass(frozen=True)
class Domain:
    """The partitions marks can reach: trading days with data (partition keys, in order) and known tickers."""

    days: Sequence[str]
    tickers: Sequence[str]

    def day_positions(self, keys: Iterable[str]) -> np.ndarray:
        index = {day: i for i, day in enumerate(self.days)}
        return np.array(sorted(index[k] for k in keys if k in index), dtype=np.int64)


def downstream(
    graph,
    marks: Mapping[str, set[str]],
    domain: Domain,
    names: set[str] | None = None,
    reporting: frozenset[str] = frozenset(),
) -> dict[str, set[str]]:
    """The marks and every partition downstream of them. `names` are the tickers whose price rows changed, for
    ticker-partitioned readers of trading-day assets (None: not known here, so that edge is left alone). Past an
    asset in `reporting` only those ticker readers are marked: its run reports which partitions really changed,
    and the plan marks the other readers from that report."""
    out = {asset: set(keys) for asset, keys in marks.items() if keys}
    for key in graph.toposorted_asset_keys:
        node, name = graph.get(key), key.to_user_string()
        for parent in sorted(node.parent_keys - {key}):
            changed = out.get(parent.to_user_string())
            if changed and parent.to_user_string() in reporting and not _by_ticker(graph.get(key).partitions_def):
                continue
            if changed:
                reached = _children(graph, key, parent, changed, domain, names)
                if reached:
                    out.setdefault(name, set()).update(reached)
        if key in node.parent_keys and out.get(name):
            positions = domain.day_positions(out[name])
            out[name].update(domain.days[positions.min() :] if len(positions) else [])
    return out


def _children(graph, child: AssetKey, parent: AssetKey, changed: set[str], domain: Domain, names) -> set[str]:
    child_def, parent_def = graph.get(child).partitions_def, graph.get(parent).partitions_def
    if child_def is None:
        return {UNPARTITIONED}
    if parent_def is None:
        return set(domain.days) if by_day(child_def) else set(domain.tickers)
    if by_day(child_def) and by_day(parent_def):
        return _reached_days(day_window(child.to_user_string(), parent.to_user_string()), changed, domain)
    if not by_day(child_def) and by_day(parent_def):
        return set() if names is None else set(names) & set(domain.tickers)
    if isinstance(graph.get_partition_mapping(child, parent), IdentityPartitionMapping):
        return set(changed) & set(domain.tickers)  # a ticker's reader of a ticker-partitioned parent
    return set()


def by_day(partitions_def) -> bool:
    """True for a trading-day asset's partitions (months of trading days)."""
    return isinstance(partitions_def, TimeWindowPartitionsDefinition)


def _by_ticker(partitions_def) -> bool:
    return partitions_def is not None and not by_day(partitions_def)


def _reached_days(window: tuple[int, int], changed: set[str], domain: Domain) -> set[str]:
    """Days t whose window [t + start, t + end] holds a changed day."""
    start, end = window
    positions = domain.day_positions(changed)
    reached = set()
    for first, last in _runs(positions):
        low, high = max(first - end, 0), min(last - start, len(domain.days) - 1)
        reached.update(domain.days[low : high + 1])
    return reached


def _runs(positions: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive runs of sorted positions, as (first, last) pairs."""
    if not len(positions):
        return []
    breaks = np.flatnonzero(np.diff(positions) > 1)
    starts = np.concatenate([[positions[0]], positions[breaks + 1]])
    ends = np.concatenate([positions[breaks], [positions[-1]]])
    return list(zip(starts.tolist(), ends.tolist(), strict=True))

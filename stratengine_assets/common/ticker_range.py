"""The tickers a run of a per-name asset builds, from its ticker-group partitions.

A per-name asset's partitions are groups of tickers by first character (partitions/definitions.py); its unit of
work is the ticker. A run builds the known tickers (the `tickers` registry) of its groups: all of them when launched
by hand, the stale or never built ones when the planner launched it (TRIGGER_TAG), and, with a `stratengine/tickers`
tag ("first..last", ticker_range_tags), exactly the known tickers in that range.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator

from dagster import AssetExecutionContext, Failure

from partitions import range_tags, ticker_group, tickers_partitions
from partitions.definitions import TICKER_GROUPS
from quant.tickers import TICKER_PATTERN
from storage.warehouse import Warehouse
from stratengine_assets.common.partition_range import TRIGGER_TAG, run_tags
from stratengine_assets.common.staleness import built, stale_keys

TICKERS_TAG = "stratengine/tickers"  # "first..last": a run builds only the known tickers in this range

_current: contextvars.ContextVar[list[str]] = contextvars.ContextVar("stratengine_tickers")


def run_tickers(context: AssetExecutionContext, store: Warehouse, asset: str) -> list[str]:
    """The tickers this run of `asset` builds, sorted (none when all of its groups' tickers are built and current)."""
    keys = context.partition_key_range
    groups = set(TICKER_GROUPS[TICKER_GROUPS.index(keys.start) : TICKER_GROUPS.index(keys.end) + 1])
    known = [t for t in context.instance.get_dynamic_partitions(tickers_partitions.name) if ticker_group(t) in groups]
    tags = run_tags(context)
    if TICKERS_TAG in tags:
        low, high = ticker_bounds(tags[TICKERS_TAG])
        return sorted(t for t in known if low <= t <= high)
    if TRIGGER_TAG in tags:
        todo = stale_keys(store, asset) | (set(known) - built(store, asset))
        return sorted(t for t in known if t in todo)
    return sorted(known)


def ticker_bounds(text: str) -> tuple[str, str]:
    """(first, last) from a tickers tag "FIRST..LAST"; a Failure saying so otherwise."""
    parts = text.split("..")
    if len(parts) != 2 or not all(re.fullmatch(TICKER_PATTERN, part) for part in parts) or parts[0] > parts[1]:
        raise Failure(f"run tag {TICKERS_TAG} must be FIRST..LAST, two tickers in order, got {text!r}")
    return parts[0], parts[1]


@contextlib.contextmanager
def building_tickers(tickers: list[str]) -> Iterator[None]:
    """Within this block, partition_tickers() answers with these tickers."""
    token = _current.set(tickers)
    try:
        yield
    finally:
        _current.reset(token)


def partition_tickers(context: AssetExecutionContext) -> list[str]:
    """The tickers the asset builds in this run, sorted."""
    return list(_current.get())


def ticker_range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags for a run over the groups holding first..last that builds exactly the known tickers in that range."""
    return {**range_tags(ticker_group(first), ticker_group(last)), TICKERS_TAG: f"{first}..{last}"}

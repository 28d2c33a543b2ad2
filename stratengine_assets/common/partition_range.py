"""The trading days a run builds, from its partition months.

A time-series asset's partitions are months (partitions/definitions.py); its unit of work is the trading day. A
run builds, within its months, up to today and within the days the registered price files cover:
- every day, when launched by hand (the UI's Materialize or a backfill): the months are rebuilt;
- the days stale or never built, when the planner launched it (its runs carry TRIGGER_TAG): a new day costs a
  day's work;
and, for an asset built on complete days (every one after prices), never a day the hold rule keeps back
(common/completeness.py). A run tagged `stratengine/days` ("first..last", day_range_tags) builds exactly those days
of its months, whatever has landed or is held: for tests, the point-in-time check and a deliberate rebuild.

The days are built as spans of consecutive sessions, each span in one pass; a span may take in clean days between
two stale ones (rebuilding a day from the same inputs writes the same rows), never a held one.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, Failure, PartitionKeyRange, build_asset_context
from dagster._core.errors import DagsterInvalidPropertyError

from partitions import month_key, month_span, range_tags
from quant.calendar import next_trading_day, trading_days
from resources.settings import calendar_end, calendar_start, pipeline_settings
from storage.warehouse import Warehouse
from stratengine_assets.common.completeness import complete_days
from stratengine_assets.common.staleness import built, stale_keys

TRIGGER_TAG = "stratengine/trigger"  # set on every run the planner launches: why it runs
DAYS_TAG = "stratengine/days"  # "first..last": a run builds only these days of its months
Span = tuple[pd.Timestamp, pd.Timestamp]

_current: contextvars.ContextVar[Span] = contextvars.ContextVar("stratengine_span")


def run_tags(context: AssetExecutionContext) -> dict[str, str]:
    """The run's tags (a directly invoked asset's too)."""
    try:
        return dict(context.run.tags)
    except DagsterInvalidPropertyError:
        return dict(context.op_execution_context.run_tags)


def window_days(context: AssetExecutionContext) -> pd.DatetimeIndex:
    """The trading days of the run's months, within the calendar, up to today and within the days tag."""
    keys = context.partition_key_range
    start, end = month_span(keys.start, keys.end)
    last = min(end - pd.Timedelta(days=1), pd.Timestamp(dt.date.today()))
    if calendar_end() is not None:
        last = min(last, pd.Timestamp(calendar_end()))
    first = max(start, pd.Timestamp(calendar_start()))
    bounds = run_tags(context).get(DAYS_TAG)
    if bounds:
        low, high = day_bounds(bounds)
        first, last = max(first, low), min(last, high)
    return trading_days(first, last) if first <= last else pd.DatetimeIndex([])


def day_bounds(text: str) -> Span:
    """(first, last) from a days tag "YYYY-MM-DD..YYYY-MM-DD"; a Failure saying so otherwise."""
    parts = text.split("..")
    try:
        low, high = (pd.Timestamp(dt.date.fromisoformat(part)) for part in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        low = high = None
    if low is None or low > high:
        raise Failure(f"run tag {DAYS_TAG} must be FIRST..LAST as YYYY-MM-DD..YYYY-MM-DD, got {text!r}")
    return low, high


def work_spans(context: AssetExecutionContext, store: Warehouse, asset: str, hold: bool) -> list[Span]:
    """The spans of days this run of `asset` builds, in order (none when all its days are built and current)."""
    days = window_days(context)
    if DAYS_TAG in run_tags(context):  # exactly the days asked for
        return spans(days, np.ones(len(days), dtype=bool), np.ones(len(days), dtype=bool))
    days = landed(store, days)
    keys = pd.Index(days.strftime("%Y-%m-%d"))
    wanted = np.ones(len(keys), dtype=bool)
    if TRIGGER_TAG in run_tags(context):
        wanted = keys.isin(stale_keys(store, asset) | (set(keys) - built(store, asset)))
    allowed = np.ones(len(keys), dtype=bool)
    if hold and len(keys):
        allowed = keys.isin(complete_days(store, list(keys), pipeline_settings().coverage())[0])
    return spans(days, wanted & allowed, allowed)


def landed(store: Warehouse, days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The days within the span the registered price files cover (the planner's domain)."""
    first, last = store.landed_price_span()
    if first is None:
        return days[:0]
    return days[(days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))]


def spans(days: pd.DatetimeIndex, wanted: np.ndarray, allowed: np.ndarray) -> list[Span]:
    """Runs of wanted days, two runs joined when every day between them is allowed."""
    out: list[list[int]] = []
    for i in np.flatnonzero(wanted):
        if out and allowed[out[-1][1] : i + 1].all():
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(days[a], days[b]) for a, b in out]


def pieces(span: Span, sessions: int, cut_on: Callable[[pd.DatetimeIndex], np.ndarray] | None = None) -> list[Span]:
    """The span cut into runs of at most `sessions` trading days, each cut on the latest day `cut_on` marks (a
    boolean per day of the span) that keeps the run within that length, where one does: a model's fit days, so
    no piece refits its predecessor's last model."""
    days = trading_days(*span)
    preferred = np.zeros(len(days), dtype=bool) if cut_on is None else np.asarray(cut_on(days), dtype=bool)
    out, first = [], 0
    while first < len(days):
        stop = min(first + sessions, len(days))
        inside = np.flatnonzero(preferred[first + 1 : stop + 1]) if stop < len(days) else np.array([], dtype=int)
        stop = first + 1 + int(inside[-1]) if len(inside) else stop
        out.append((days[first], days[stop - 1]))
        first = stop
    return out


@contextlib.contextmanager
def building(span: Span) -> Iterator[None]:
    """Within this block, partition_dates() and the days helpers answer for this span."""
    token = _current.set(span)
    try:
        yield
    finally:
        _current.reset(token)


def partition_dates(context: AssetExecutionContext) -> Span:
    """First and last trading day the asset builds in this pass."""
    return _current.get()


def partition_window(context: AssetExecutionContext) -> Span:
    """[start, end) in calendar time: from the first trading day up to the session after the last one."""
    first, last = partition_dates(context)
    return first, next_trading_day(last)


def partition_days(context: AssetExecutionContext) -> list[str]:
    """The trading days (as partition keys of the ledger and the stale marks) this pass builds."""
    first, last = partition_dates(context)
    return list(trading_days(first, last).strftime("%Y-%m-%d"))


def days_context(first: str, last: str, resources: dict[str, Any]) -> Any:
    """A context for invoking a time-series asset directly over exactly the trading days first..last."""
    months = PartitionKeyRange(month_key(first), month_key(last))
    return build_asset_context(partition_key_range=months, run_tags={DAYS_TAG: f"{first}..{last}"}, resources=resources)


def day_range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags for a run over the months holding first..last that builds exactly those trading days."""
    return {**range_tags(month_key(first), month_key(last)), DAYS_TAG: f"{first}..{last}"}

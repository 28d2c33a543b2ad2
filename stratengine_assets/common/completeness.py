"""Which trading days are complete enough to build on: the hold rule the planner and the assets share."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from quant.calendar import shift_trading_days, trading_days
from storage.warehouse import Warehouse, between

REFERENCE_SESSIONS = 5  # a day's names priced are compared with the most priced in this many sessions before


def complete_days(store: Warehouse, days: Sequence[str], min_coverage: float) -> tuple[set[str], dict[str, str]]:
    """Days on which at least min_coverage of the most names priced in the REFERENCE_SESSIONS sessions before have
    a price; the others, with why. A lasting drop in the names priced (delistings) holds REFERENCE_SESSIONS days at
    most; two partial deliveries in a row are both held. `days` are consecutive sessions in order; the
    REFERENCE_SESSIONS sessions before the first count too, so a span of days is judged as the whole history is."""
    if not len(days):
        return set(), {}
    before = _sessions_before(days[0])
    span = between("date", (before or list(days))[0], days[-1])  # only the sessions judged, not the whole table
    priced = {str(pd.Timestamp(day).date()): n for day, n in store.count_by("prices", "date", span).items()}
    counts = [priced.get(day, 0) for day in [*before, *days]]
    complete, held = set(), {}
    for i, day in enumerate(days, start=len(before)):
        names, reference = counts[i], max(counts[max(0, i - REFERENCE_SESSIONS) : i], default=0)
        if names and names >= min_coverage * reference:
            complete.add(day)
        else:
            held[day] = f"{names:,} names priced, needs {min_coverage:.0%} of the {reference:,} priced before"
    return complete, held


def _sessions_before(day: str) -> list[str]:
    sessions = trading_days(shift_trading_days(day, -REFERENCE_SESSIONS), day)
    return [str(session.date()) for session in sessions[:-1]]

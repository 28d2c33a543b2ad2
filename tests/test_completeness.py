"""The hold rule judges a day alike whether the planner looks at the whole history or a run at its own months: no
decision about a day depends on how days were grouped into runs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quant.calendar import trading_days
from stratengine_assets.common.completeness import complete_days

DAYS = trading_days("2017-01-03", "2017-04-28")
NAMES = 20


def _priced(project, counts: np.ndarray) -> None:
    rows = [
        {"date": day, "ticker": f"T{k:02d}", "close": 10.0}
        for day, n in zip(DAYS, counts, strict=True)
        for k in range(n)
    ]
    frame = pd.DataFrame(rows).assign(
        open=10.0, high=10.0, low=10.0, volume=1.0, dollar_volume=10.0, vendor="t", source_file="f", source_line=1
    )
    with project["warehouse"].session() as store:
        store.append("prices", frame)


def test_a_window_is_judged_as_the_whole_history_judges_it(project):
    counts = np.full(len(DAYS), NAMES)
    counts[[10, 11, 40]] = [3, 5, 0]  # two partial deliveries in a row, a missing day
    counts[60:] = 15  # a lasting drop in the names priced (delistings): held for at most five sessions
    counts[70] = 13  # just under 90% of the 15 priced since
    _priced(project, counts)
    keys = [str(day.date()) for day in DAYS]
    with project["warehouse"].session() as store:
        whole, why = complete_days(store, keys, 0.9)
        assert set(keys) - whole == {keys[i] for i in (10, 11, 40, 60, 61, 62, 63, 64, 70)}
        assert why[keys[10]] == "3 names priced, needs 90% of the 20 priced before"
        for first in range(0, len(keys), 7):
            for width in (1, 5, 23):
                window = keys[first : first + width]
                assert complete_days(store, window, 0.9)[0] == whole & set(window), window

"""Quarantine rows: a rejected vendor row's dataset, date, ticker, reason, vendor, file and line."""

from __future__ import annotations

import pandas as pd

from storage.schema import columns
from stratengine_assets.common.clock import utc_now

QUARANTINE_COLUMNS = list(columns("quarantine"))


def quarantine_rows(
    rows: pd.DataFrame, dataset: str, reason: str | pd.Series, vendor: str, source_file: str
) -> pd.DataFrame:
    """Quarantine entries for `rows` (ticker, source_line and, where the layout has one, date) of one file."""
    out = pd.DataFrame(
        {
            "date": rows.get("date"),
            "ticker": rows["ticker"].astype("object"),
            "source_line": rows["source_line"],
        }
    )
    out = out.assign(dataset=dataset, reason=reason, vendor=vendor, source_file=source_file, detected_at=utc_now())
    return out[QUARANTINE_COLUMNS]

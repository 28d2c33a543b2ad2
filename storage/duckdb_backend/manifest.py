"""Landing-manifest queries beyond a filter: what the price files cover, and which rows a new version changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from storage.duckdb_backend.session import Session

LANDED_SPAN_SQL = """
SELECT min(first_date), max(last_date) FROM landing_manifest WHERE dataset = 'prices' AND status <> 'failed'
"""
HELD_SQL = "SELECT EXISTS (SELECT 1 FROM raw_prices WHERE source_file IN (SELECT key FROM incoming_keys))"
CHANGED_RAW_ROWS_SQL = """
WITH new AS (
    SELECT source_file::VARCHAR AS source_file, date::DATE AS date, ticker::VARCHAR AS ticker, open, high, low,
           close, volume, as_traded_close::DOUBLE AS as_traded_close, source_line::BIGINT AS source_line
    FROM incoming_rows
), old AS (
    SELECT source_file, date, ticker, open, high, low, close, volume, as_traded_close, source_line
    FROM raw_prices WHERE source_file IN (SELECT key FROM incoming_keys)
), changed AS (
    (SELECT * FROM new EXCEPT ALL SELECT * FROM old) UNION ALL (SELECT * FROM old EXCEPT ALL SELECT * FROM new)
)
SELECT DISTINCT source_file, date, ticker FROM changed ORDER BY source_file, date, ticker
"""


class ManifestQueries(Session):
    """The manifest's own reads."""

    def landed_price_span(self) -> tuple[dt.date | None, dt.date | None]:
        first, last = self.conn.execute(LANDED_SPAN_SQL).fetchall()[0]
        return first, last

    def changed_raw_rows(self, keys: Sequence[str], rows: pd.DataFrame) -> pd.DataFrame:
        with self.registered(incoming_rows=rows, incoming_keys=pd.DataFrame({"key": list(keys)}, dtype="object")):
            held = self.conn.execute(HELD_SQL).fetchall()[0][0]
            if not held:  # files raw_prices holds nothing from (new ones): every row is new
                return rows[["source_file", "date", "ticker"]].drop_duplicates().reset_index(drop=True)
            return self.conn.execute(CHANGED_RAW_ROWS_SQL).df()

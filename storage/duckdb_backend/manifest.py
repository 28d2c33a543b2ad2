"""Landing-manifest queries beyond a filter: what the price files cover, and which rows a new version changes."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from storage.duckdb_backend.session import Session

LANDED_SPAN_SQL = """
SELECT min(first_date), max(last_date) FROM landing_manifest WHERE dataset = 'prices' AND status <> 'failed'
"""
CHANGED_RAW_ROWS_SQL = """
WITH new AS (
    SELECT date::DATE AS date, ticker::VARCHAR AS ticker, open, high, low, close, volume,
           as_traded_close::DOUBLE AS as_traded_close, source_line::BIGINT AS source_line
    FROM incoming_rows
), old AS (
    SELECT date, ticker, open, high, low, close, volume, as_traded_close, source_line
    FROM raw_prices WHERE source_file = $key
), changed AS (
    (SELECT * FROM new EXCEPT ALL SELECT * FROM old) UNION ALL (SELECT * FROM old EXCEPT ALL SELECT * FROM new)
)
SELECT DISTINCT date, ticker FROM changed ORDER BY date, ticker
"""


class ManifestQueries(Session):
    """The manifest's own reads."""

    def landed_price_span(self) -> tuple[dt.date | None, dt.date | None]:
        first, last = self.conn.execute(LANDED_SPAN_SQL).fetchall()[0]
        return first, last

    def changed_raw_rows(self, key: str, rows: pd.DataFrame) -> pd.DataFrame:
        with self.registered(incoming_rows=rows):
            return self.conn.execute(CHANGED_RAW_ROWS_SQL, {"key": key}).df()

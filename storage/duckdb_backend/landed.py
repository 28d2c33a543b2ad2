"""The price files' rows as registration parsed them, kept by content (vendor and checksum), so raw_prices
assembles its windows in SQL instead of parsing every file a second time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from storage.duckdb_backend.session import Session
from storage.duckdb_backend.sql import member_of

READABLE_PRICE_FILE = "m.dataset = 'prices' AND m.status IN ('registered', 'duplicate')"
DROP_CONTENTS_SQL = """
DELETE FROM landed_prices USING landed_contents c
WHERE landed_prices.vendor = c.vendor AND landed_prices.checksum = c.checksum
"""
RELEASE_SQL = f"""
DELETE FROM landed_prices WHERE {member_of("checksum")} AND NOT EXISTS (
    SELECT 1 FROM landing_manifest m
    WHERE {READABLE_PRICE_FILE} AND m.vendor = landed_prices.vendor AND m.checksum = landed_prices.checksum)
"""
# the registered files of the window and their landed rows; a content two registered files held would be read twice,
# as parsing both files did (registration keeps one file per content registered)
WINDOW_ROWS = """
FROM landed_prices l JOIN landing_manifest m ON m.vendor = l.vendor AND m.checksum = l.checksum
WHERE m.dataset = 'prices' AND m.status = 'registered' AND l.date >= $start AND l.date < $end AND l.date <= $today
"""
STAGE_SQL = f"""
INSERT INTO staged_raw_prices BY NAME
SELECT l.date, l.ticker, l.open, l.high, l.low, l.close, l.volume, l.as_traded_close, l.source_line, m.vendor,
       m.key AS source_file, $ingested_at AS ingested_at
{WINDOW_ROWS}
"""
WINDOW_FILES_SQL = f"SELECT DISTINCT m.key {WINDOW_ROWS} ORDER BY 1"
UNLANDED_SQL = """
SELECT m.key FROM landing_manifest m
WHERE m.dataset = 'prices' AND m.status = 'registered' AND m.first_date < $end AND m.last_date >= $start
  AND (m.vendor, m.checksum) NOT IN (SELECT DISTINCT vendor, checksum FROM landed_prices)
ORDER BY 1
"""


class LandedQueries(Session):
    """landed_prices: written by registration with the manifest rows, read into raw_prices' staging."""

    def land_price_rows(self, contents: pd.DataFrame, rows: pd.DataFrame) -> int:
        """Replace the rows of each content in `contents` (vendor, checksum) by `rows` (landed_prices' columns)."""
        with self.registered(landed_contents=contents[["vendor", "checksum"]].astype(str)):
            self.conn.execute(DROP_CONTENTS_SQL)
        if rows.empty:
            return 0
        with self.registered(incoming_rows=rows):
            self.conn.execute("INSERT INTO landed_prices BY NAME SELECT * FROM incoming_rows")
        return len(rows)

    def release_landed_rows(self, checksums: Sequence[str]) -> None:
        """Drop the rows of these contents that no readable price file holds any longer."""
        if len(checksums):
            self.conn.execute(RELEASE_SQL, [sorted({str(c) for c in checksums})])

    def stage_landed_raw_prices(
        self, start: dt.date, end: dt.date, today: dt.date, ingested_at: dt.datetime
    ) -> list[str]:
        """Stage for raw_prices the landed rows in [start, end) (none after `today`) of every registered price
        file, as that file's rows; returns the files whose rows were staged."""
        self._outside_transaction("stage_landed_raw_prices()")
        window = {"start": start, "end": end, "today": today}
        self._staging("raw_prices")
        self.conn.execute(STAGE_SQL, window | {"ingested_at": ingested_at})
        return [row[0] for row in self.conn.execute(WINDOW_FILES_SQL, window).fetchall()]

    def unlanded_price_files(self, start: dt.date, end: dt.date) -> list[str]:
        """Registered price files covering part of [start, end) whose contents have no landed rows (registered by
        an older release, or never parsed under their vendor): raw_prices parses them."""
        return [row[0] for row in self.conn.execute(UNLANDED_SQL, {"start": start, "end": end}).fetchall()]

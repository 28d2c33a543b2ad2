"""Landing-manifest queries beyond a filter: what the price files cover, and which versions await ingestion."""

from __future__ import annotations

import datetime as dt

from storage.duckdb_backend.session import Session

LANDED_SPAN_SQL = """
SELECT min(first_date), max(last_date) FROM landing_manifest WHERE dataset = 'prices' AND status <> 'failed'
"""
STALE_PRICE_FILES_SQL = """
SELECT first_date, last_date FROM landing_manifest
WHERE dataset = 'prices' AND status = 'registered' AND (ingested_at IS NULL OR ingested_at < registered_at)
"""
INGESTED_SQL = "SELECT key || '@' || version FROM landing_manifest WHERE ingested_at IS NOT NULL"


class ManifestQueries(Session):
    """The manifest's own reads."""

    def landed_price_span(self) -> tuple[dt.date | None, dt.date | None]:
        first, last = self.conn.execute(LANDED_SPAN_SQL).fetchall()[0]
        return first, last

    def stale_price_files(self) -> list[tuple[dt.date, dt.date]]:
        return self.conn.execute(STALE_PRICE_FILES_SQL).fetchall()

    def ingested_versions(self) -> set[str]:
        return {row[0] for row in self.conn.execute(INGESTED_SQL).fetchall()}

"""Live prices from Stooq's CSV download, landed as Stooq-layout files (vendor `stooq_api`)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from quant.tickers import normalize_ticker
from vendors.files import VendorFileError
from vendors.layout import Layout
from vendors.spans import text_date_span
from vendors.stooq import parse_stooq, ticker_from_filename

DEFAULT_URL = "https://stooq.com/q/d/l/"
EXPECTED_HEADER = "Date,Open,High,Low,Close,Volume"


@dataclass(frozen=True)
class StooqDownloader:
    """GET <base_url>?s=<ticker>.us&i=d with a timeout and retries on connection errors and 429/5xx."""

    base_url: str = DEFAULT_URL
    timeout_seconds: float = 10.0
    retries: int = 3
    backoff_seconds: float = 0.5

    def _session(self) -> requests.Session:
        retry = Retry(
            total=self.retries,
            backoff_factor=self.backoff_seconds,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=("GET",),
        )
        session = requests.Session()
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        return session

    def fetch(self, ticker: str) -> str:
        """The daily history CSV for one ticker; VendorFileError says why when there is none."""
        symbol = normalize_ticker(ticker).lower().replace(".", "-")
        try:
            response = self._session().get(
                self.base_url, params={"s": f"{symbol}.us", "i": "d"}, timeout=self.timeout_seconds
            )
            response.raise_for_status()
        except requests.RequestException as exc:
            raise VendorFileError(f"stooq_api {ticker}: request failed: {exc}") from exc
        if not response.text.startswith(EXPECTED_HEADER):
            raise VendorFileError(f"stooq_api {ticker}: no data ({response.text[:60].strip()!r})")
        return response.text

    def land(self, tickers: list[str], zone) -> tuple[list[str], dict[str, str]]:
        """Fetch each ticker and land it as prices/stooq_api/<ticker>.us.txt; returns keys and failures."""
        keys, failures = [], {}
        with tempfile.TemporaryDirectory() as scratch:
            for ticker in tickers:
                try:
                    text = self.fetch(ticker)
                except (VendorFileError, ValueError) as exc:
                    failures[ticker] = str(exc)
                    continue
                path = Path(scratch) / f"{normalize_ticker(ticker).lower().replace('.', '-')}.us.txt"
                path.write_text(text)
                keys.append(zone.land(path, "prices", "stooq_api"))
        return keys, failures


LAYOUT = Layout(  # written by `stratengine fetch`, never guessed from a file
    "stooq_api", "prices", parse_stooq, ticker_from_name=ticker_from_filename, date_span=text_date_span
)

"""Which tickers landed files name: per-ticker price files by their names, security masters by their rows."""

from __future__ import annotations

from collections.abc import Iterable

from resources.landing_zone import LandedFile, LandingZoneResource
from vendors.files import VendorFileError
from vendors.registry import LAYOUTS


def named_tickers(zone: LandingZoneResource, files: Iterable[LandedFile]) -> set[str]:
    """The tickers these files name; a security master that cannot be read names none."""
    tickers = set()
    for landed in files:
        layout = LAYOUTS.get(landed.vendor)
        if layout is None or layout.dataset != landed.dataset:
            continue
        if layout.ticker_from_name is not None and (ticker := layout.ticker_from_name(landed.name)):
            tickers.add(ticker)
        elif layout.dataset == "securities":
            try:
                tickers |= set(layout.parse(zone.local_path(landed))["ticker"].dropna())
            except VendorFileError:
                continue
    return tickers


def landed_tickers(zone: LandingZoneResource) -> list[str]:
    """Every ticker the landing zone's files name, sorted."""
    return sorted(named_tickers(zone, zone.files()))

"""Every vendor layout StratEngine reads, one entry each, and how a landed file is matched to one."""

from __future__ import annotations

from pathlib import Path

from quant.registry import Registry
from vendors import annual_csv, canonical, edgar, sp500_master, stooq, stooq_api, yahoo, yahoo_actions
from vendors.files import VendorFileError, read_header
from vendors.layout import Layout

LAYOUTS: Registry[Layout] = Registry(
    "vendor layout",
    [
        stooq.LAYOUT,
        stooq_api.LAYOUT,
        yahoo.LAYOUT,
        canonical.LAYOUT,
        annual_csv.LAYOUT,
        edgar.LAYOUT,
        sp500_master.LAYOUT,
        yahoo_actions.LAYOUT,
    ],
)


def layouts_of(dataset: str) -> list[Layout]:
    return [entry for entry in LAYOUTS if entry.dataset == dataset]


def layout_for(vendor: str, dataset: str | None = None) -> Layout:
    """The layout a vendor folder name stands for (of `dataset`, when given); VendorFileError when there is none."""
    found = LAYOUTS.get(vendor)
    if found is None or (dataset is not None and found.dataset != dataset):
        known = [entry.name for entry in (layouts_of(dataset) if dataset else LAYOUTS)]
        raise VendorFileError(f"no {dataset or 'vendor'} layout {vendor!r}; known: {', '.join(known)}")
    return found


def detect_layout(path: Path) -> Layout:
    """The layout of a file, from its name, else from its header; VendorFileError naming the file otherwise."""
    name = path.name.lower()
    by_name = [entry for entry in LAYOUTS if name.endswith(entry.suffixes)]
    if by_name:
        return by_name[0]
    header = read_header(path)
    by_header = [entry for entry in LAYOUTS if entry.header is not None and entry.header(header)]
    if by_header:
        return by_header[0]
    raise VendorFileError(f"cannot tell which vendor wrote {path.name}; pass --vendor ({', '.join(LAYOUTS.names())})")

"""Cheap look at the dates a price file covers, without parsing it: its first and last data lines."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from storage.parquet import date_span as parquet_date_span

TAIL_BYTES = 4096


def _date_column(header: str) -> int | None:
    names = [c.strip().lower() for c in header.split(",")]
    return names.index("date") if "date" in names else None


def _parse_day(line: str, column: int) -> dt.date | None:
    fields = line.split(",")
    try:
        return dt.date.fromisoformat(fields[column].strip())
    except (IndexError, ValueError):
        return None


def text_date_span(path: Path) -> tuple[dt.date, dt.date] | None:
    """Dates of the first and last data lines of a date-sorted CSV; None when they cannot be read."""
    with open(path, "rb") as handle:
        head = handle.read(TAIL_BYTES).decode("utf-8", errors="replace").splitlines()
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - TAIL_BYTES))
        tail = handle.read().decode("utf-8", errors="replace").splitlines()
    if len(head) < 2 or (column := _date_column(head[0])) is None:
        return None
    first = _parse_day(head[1], column)
    last = next((d for line in reversed(tail) if line.strip() and (d := _parse_day(line, column))), None)
    if first is None or last is None:
        return None
    return min(first, last), max(first, last)


def date_span(path: Path) -> tuple[dt.date, dt.date] | None:
    """(first, last) date a landed price file covers, from its edges; None when unknown."""
    return parquet_date_span(path) if path.suffix == ".parquet" else text_date_span(path)

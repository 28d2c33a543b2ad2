"""Many vendor text CSVs of one layout read at once, each row with its file and line.

The file-level defects (empty, not UTF-8, wrong columns, a header only) are told per file here, with the messages
every vendor reader gives; the rows of the readable files are read by one DuckDB read_csv per header line
(`storage/csv_files.py`), where a file DuckDB cannot read fails alone with its reason.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from storage.csv_files import CsvSpec, empty_rows, read_csv_group


@dataclass
class CsvRows:
    """The rows of the readable files (`file`: the position of the file in the paths given, `source_line`, then
    the spec's columns cast), and for each unreadable file's position why it cannot be read."""

    rows: pd.DataFrame
    errors: dict[int, str] = field(default_factory=dict)


def read_csv_files(paths: Sequence[Path], spec: CsvSpec) -> CsvRows:
    """Every row of the files, cast as the spec says; files that cannot be read are reported, not raised."""
    errors, by_header = {}, {}
    for position, path in enumerate(paths):
        header, error = check_file(path, spec.expected)
        if error:
            errors[position] = error
        else:
            by_header.setdefault(tuple(header), []).append(position)
    frames = [
        read_csv_group([paths[p] for p in positions], positions, list(header), spec, errors)
        for header, positions in by_header.items()
    ]
    rows = pd.concat(frames, ignore_index=True) if frames else empty_rows(spec)
    return CsvRows(rows, errors)


def check_file(path: Path, expected: list[str]) -> tuple[list[str], str | None]:
    """The file's header names and, when it cannot be read as a vendor CSV, why."""
    data = path.read_bytes()
    if not data:
        return [], "file is empty"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], f"not a UTF-8 text file ({exc.reason} at byte {exc.start})"
    first, _, rest = text.partition("\n")
    header = [name.strip() for name in next(csv.reader([first]), [])]
    missing = [name for name in expected if name not in header]
    if missing:
        return header, f"wrong columns: expected {expected}, found {header} (missing {missing})"
    if not rest.strip():
        return header, "header only: the file has no data rows"
    return header, None

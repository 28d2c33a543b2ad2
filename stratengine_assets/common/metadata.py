"""Materialization metadata a portfolio manager can read: rounded figures (no 1.3877787807814457e-17 or
0.0999999), Dagster's standard row count beside each asset's own, and column schemas from the warehouse DDL."""

import math
from typing import Any

from dagster import (
    FloatMetadataValue,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableColumnConstraints,
    TableRecord,
    TableSchema,
)

from storage.schema import TABLES, columns

SIGNIFICANT = 4  # digits kept on a metadata float
ZERO = 1e-12  # |x| below this is rounding noise of a sum that is zero (net exposure of a dollar-neutral book)


def rounded(value: float) -> float:
    """`value` to SIGNIFICANT significant digits, float noise around zero as 0."""
    if not math.isfinite(value) or abs(value) < ZERO:
        return 0.0 if math.isfinite(value) else value
    return float(f"{value:.{SIGNIFICANT}g}")


def percent(value: float | None, digits: int = 2) -> str:
    """A fraction as a percentage text ('12.34%'), a dash when missing."""
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}%}"


def readable(metadata: dict[str, Any]) -> dict[str, Any]:
    """The same entries with floats rounded, and dagster/row_count where the asset reports the rows it wrote."""
    out = {key: _tidy(value) for key, value in metadata.items()}
    if "rows" in out and "dagster/row_count" not in out and isinstance(out["rows"], int):
        out["dagster/row_count"] = MetadataValue.int(out["rows"])
    return out


def _tidy(value: Any) -> Any:
    if isinstance(value, float):
        return rounded(value)
    if isinstance(value, FloatMetadataValue) and value.value is not None:
        return MetadataValue.float(rounded(value.value))
    return value


def readable_result(result: Any) -> Any:
    """A MaterializeResult with readable metadata; anything else as it is."""
    if isinstance(result, MaterializeResult) and result.metadata:
        return result._replace(metadata=readable(dict(result.metadata)))
    return result


def column_schema(table: str) -> dict[str, TableSchema]:
    """{'dagster/column_schema': the table's columns as the DDL declares them}, or {} for an asset with no table."""
    if table not in TABLES:
        return {}
    required = {part.split()[0] for part in TABLES[table].split(",") if "NOT NULL" in part}
    cols = [
        TableColumn(name, kind.lower(), constraints=TableColumnConstraints(nullable=name not in required))
        for name, kind in columns(table).items()
    ]
    return {"dagster/column_schema": TableSchema(columns=cols)}


QUARANTINE_SHOWN = ("date", "ticker", "reason", "vendor", "source_file", "source_line")
QUARANTINE_SAMPLE = 20


def quarantine_sample(rows: Any) -> MetadataValue:
    """The first quarantined rows themselves (date, ticker, reason, file and line) as a table the UI shows."""
    shown = rows.reindex(columns=list(QUARANTINE_SHOWN)).head(QUARANTINE_SAMPLE)
    schema = TableSchema(columns=[TableColumn(name, "string") for name in QUARANTINE_SHOWN])
    records = [
        TableRecord({name: "" if value != value or value is None else str(value)[:120] for name, value in row.items()})
        for row in shown.to_dict("records")
    ]
    return MetadataValue.table(records, schema)

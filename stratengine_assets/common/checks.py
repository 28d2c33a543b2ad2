"""pandera validation of a table slice, in memory or where it is stored, reported as a Dagster asset check result."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from storage.warehouse import Warehouse, Where

SHOWN_FAILURES = 20


def schema_check(check_name: str, model: type[pa.DataFrameModel], rows: pd.DataFrame) -> AssetCheckResult:
    """Validate every row lazily; fail with failure counts per check and the first failure cases."""
    try:
        model.validate(rows, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return check_result(check_name, len(rows), exc.failure_cases)
    return check_result(check_name, len(rows), cases=None)


def stored_check(
    check_name: str, store: Warehouse, table: str, model: type[pa.DataFrameModel], *where: Where
) -> AssetCheckResult:
    """Validate the table's stored rows under `where` inside the warehouse (no read into pandas), reported as
    schema_check reports an in-memory frame."""
    found = store.validate_stored(table, model, *where)
    return check_result(check_name, found.rows_checked, found.failure_cases if len(found.failure_cases) else None)


def check_result(check_name: str, rows_checked: int, cases: pd.DataFrame | None) -> AssetCheckResult:
    """Passed, or failed with the failure counts per column and check and the first failure cases."""
    if cases is None:
        return AssetCheckResult(
            check_name=check_name, passed=True, metadata={"rows_checked": rows_checked, "failures": 0}
        )
    counts = cases.groupby(["column", "check"], dropna=False).size().reset_index(name="rows")
    return AssetCheckResult(
        check_name=check_name,
        passed=False,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "rows_checked": rows_checked,
            "failures": len(cases),
            "failures_by_check": MetadataValue.md(counts.astype(str).to_markdown(index=False)),
            "first_failures": MetadataValue.md(cases.head(SHOWN_FAILURES).astype(str).to_markdown(index=False)),
        },
    )

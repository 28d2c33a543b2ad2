"""pandera validation of a table slice, reported as a Dagster asset check result."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

SHOWN_FAILURES = 20


def schema_check(check_name: str, model: type[pa.DataFrameModel], rows: pd.DataFrame) -> AssetCheckResult:
    """Validate every row lazily; fail with failure counts per check and the first failure cases."""
    try:
        model.validate(rows, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        counts = cases.groupby(["column", "check"], dropna=False).size().reset_index(name="rows")
        return AssetCheckResult(
            check_name=check_name,
            passed=False,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "rows_checked": len(rows),
                "failures": len(cases),
                "failures_by_check": MetadataValue.md(counts.astype(str).to_markdown(index=False)),
                "first_failures": MetadataValue.md(cases.head(SHOWN_FAILURES).astype(str).to_markdown(index=False)),
            },
        )
    return AssetCheckResult(check_name=check_name, passed=True, metadata={"rows_checked": len(rows), "failures": 0})

"""The strategy comparison table the backtest shows in Dagster: one row per strategy, figures formatted."""

from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from stratengine_assets.common.metadata import percent

PERCENT = ("total_return", "cagr", "annual_volatility", "max_drawdown", "hit_rate", "avg_turnover", "alpha")
RATIO = ("sharpe", "sortino", "calmar", "beta", "information_ratio")


def comparison_table(rows: dict[str, dict]) -> MetadataValue:
    """Strategies side by side: returns, risk and benchmark-relative figures as percentages and 2-decimal ratios."""
    columns = ["strategy", *PERCENT, *RATIO]
    schema = TableSchema(columns=[TableColumn(name, "string") for name in columns])
    records = [
        TableRecord(
            {
                "strategy": sid,
                **{key: percent(row.get(key)) for key in PERCENT},
                **{key: _ratio(row.get(key)) for key in RATIO},
            }
        )
        for sid, row in rows.items()
    ]
    return MetadataValue.table(records, schema)


def _ratio(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value:.2f}"

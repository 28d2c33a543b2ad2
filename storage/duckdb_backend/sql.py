"""Filters to DuckDB SQL: table and column names checked against the schema, every value a parameter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.schema import TABLES, columns
from storage.warehouse import Where

COMPARISONS = ("=", "<", "<=", ">=")


def checked_table(table: str) -> str:
    """Only tables declared in the schema reach SQL text."""
    if table not in TABLES:
        raise ValueError(f"unknown warehouse table {table!r}")
    return table


def checked_column(table: str, column: str) -> str:
    """Only columns the table declares reach SQL text."""
    if column not in columns(checked_table(table)):
        raise ValueError(f"table {table} has no column {column!r}")
    return column


def member_of(column: str, kind: str = "VARCHAR", param: str = "?") -> str:
    """SQL for `column` in a list parameter, as a hash semi-join: list_contains scans the list once per row."""
    return f"{column} IN (SELECT unnest({param}::{kind}[]))"


def condition(table: str, where: Where) -> tuple[str, list[Any]]:
    """One filter as SQL and its parameters."""
    column = checked_column(table, where.column)
    if where.op in COMPARISONS:
        return f"{column} {where.op} ?", [where.value]
    if where.op == "between":
        return f"{column} BETWEEN ? AND ?", list(where.value)
    if where.op == "in":
        kind = columns(table)[column]
        values = [str(v) for v in where.value] if kind == "VARCHAR" else list(where.value)
        return member_of(column, kind), [values]
    if where.op == "not null":
        return f"{column} IS NOT NULL", []
    raise ValueError(f"unknown filter operator {where.op!r}")


def where_clause(table: str, filters: Sequence[Where]) -> tuple[str, list[Any]]:
    """' WHERE a AND b ...' (empty without filters) and the parameters in order."""
    parts, params = [], []
    for where in filters:
        sql, values = condition(table, where)
        parts.append(sql)
        params += values
    return (f" WHERE {' AND '.join(parts)}" if parts else ""), params

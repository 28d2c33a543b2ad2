"""Reading price history for a set of names: the one query every matrix-building asset shares."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from stratengine_assets.research.factor_math import to_matrix

PRICE_FIELDS = ("open", "high", "low", "close", "volume", "dollar_volume")


def price_rows(
    conn: duckdb.DuckDBPyConnection, tickers: Sequence[str], first, last, fields: Sequence[str] = ("close",)
) -> pd.DataFrame:
    """Long rows (date, ticker, *fields) of `prices` for the tickers over [first, last]."""
    unknown = set(fields) - set(PRICE_FIELDS)
    if unknown:
        raise ValueError(f"unknown price fields {sorted(unknown)}")
    conn.register("wanted_tickers", pd.DataFrame({"ticker": [str(t) for t in tickers]}))
    try:
        return conn.execute(
            f"SELECT date, ticker, {', '.join(fields)} FROM prices JOIN wanted_tickers USING (ticker) "
            "WHERE date BETWEEN ? AND ?",
            [first, last],
        ).df()
    finally:
        conn.unregister("wanted_tickers")


def close_matrix(conn: duckdb.DuckDBPyConnection, tickers: pd.Index, days: pd.DatetimeIndex) -> np.ndarray:
    """Closes over (days x tickers); NaN where a name has no row."""
    return to_matrix(price_rows(conn, tickers, days[0], days[-1]), "close", days, tickers)

"""The warehouse interface: every read and write the pipeline makes, by table and filter or by what it means.

A backend implements this class once (the DuckDB one lives in `storage/duckdb_backend/`). Generic operations address a
table by name and a slice by filters (`eq`, `between`, `isin`, ...); the named queries below them are the column
work that runs where the data lives: the price validation rules, the universe rule, composite signals, ...
Writes inside `transaction()` commit together or not at all; every write outside one is atomic on its own.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow

from quant.strategies import Strategy, UniverseRules

Day = dt.date | pd.Timestamp | str
Columns = Sequence[str] | None


@dataclass(frozen=True)
class Where:
    """One condition on a column: op is one of =, <, <=, >=, between, in, not null."""

    column: str
    op: str
    value: Any = None


def eq(column: str, value: Any) -> Where:
    return Where(column, "=", value)


def before(column: str, value: Any) -> Where:
    return Where(column, "<", value)


def at_most(column: str, value: Any) -> Where:
    return Where(column, "<=", value)


def at_least(column: str, value: Any) -> Where:
    return Where(column, ">=", value)


def between(column: str, first: Any, last: Any) -> Where:
    """first <= column <= last."""
    return Where(column, "between", (first, last))


def isin(column: str, values: Iterable[Any]) -> Where:
    return Where(column, "in", list(values))


def not_null(column: str) -> Where:
    return Where(column, "not null")


NEIGHBOUR_SESSIONS = 5  # how far the move rule looks for a name's previous and next rows


def price_reach(neighbours: int) -> int:
    """Sessions on either side of a day whose raw rows can change that day's prices: a row's neighbour and the row
    after that neighbour."""
    return 2 * neighbours


@dataclass(frozen=True)
class PriceRules:
    """How `prices` picks each name-day's bar: vendors best first, the largest believable close-to-close move, the
    close difference within which two vendors agree, the largest believable price and share volume, and how many
    sessions away a name's neighbouring rows may be for the move rule to judge a row against them."""

    vendor_ranking: Sequence[str]
    max_daily_move: float
    vendor_tolerance: float
    max_price: float = 1e7
    max_volume: float = 1e12
    neighbours: int = NEIGHBOUR_SESSIONS

    @property
    def reach(self) -> int:
        return price_reach(self.neighbours)


@dataclass(frozen=True)
class StoredValidation:
    """A pandera model checked on stored rows: the rows checked and the failure cases."""

    rows_checked: int
    failure_cases: pd.DataFrame


@dataclass(frozen=True)
class PriceValidation:
    """What a price rebuild found beyond the rows it kept: name-days priced the session before but by no vendor
    (date, ticker), valid closes of two vendors that disagree (date, ticker, vendor_a, close_a, vendor_b, close_b,
    difference), moves beyond the limit that were kept (date, ticker, vendor, close, move, why), and the days whose
    bars (what readers of prices see: open, high, low, close, volume, vendor) differ from the ones they replaced."""

    missing: pd.DataFrame
    disagreements: pd.DataFrame
    kept_moves: pd.DataFrame
    changed_days: list[dt.date]


class Warehouse(ABC):
    """One open session on the warehouse (a connection, with the writer lock held where the backend needs one)."""

    # -- transactions and tables -----------------------------------------------------------------------------

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Everything written inside commits together or not at all; nested blocks join the outer one."""

    @abstractmethod
    def read(
        self, table: str, *where: Where, columns: Columns = None, order_by: Columns = None, limit: int | None = None
    ) -> pd.DataFrame:
        """Rows of `table` matching every filter (all columns unless named), the first `limit` when given."""

    @abstractmethod
    def distinct(self, table: str, columns: Sequence[str], *where: Where) -> pd.DataFrame:
        """The distinct rows of the named columns matching the filters, sorted by them."""

    @abstractmethod
    def read_panel(
        self, table: str, value: str, days: pd.DatetimeIndex, tickers: pd.Index, *where: Where
    ) -> np.ndarray:
        """`value` as a days x tickers matrix (by the table's panel axes) over the rows matching the filters; NaN
        where there is no row or the value is NULL."""

    @abstractmethod
    def read_panels(
        self, table: str, values: Sequence[str], days: pd.DatetimeIndex, tickers: pd.Index, *where: Where
    ) -> np.ndarray:
        """read_panel of several columns in one read: a days x tickers x len(values) array."""

    @abstractmethod
    def replace(self, table: str, frame: pd.DataFrame, *where: Where) -> int:
        """Delete the slice the filters select and insert `frame` (by column name); returns the rows inserted."""

    @abstractmethod
    def append(self, table: str, frame: pd.DataFrame | pyarrow.Table) -> int:
        """Insert `frame` (a pandas frame, or an Arrow table where a bulk writer has columns, not rows) by column
        name; returns the rows inserted."""

    @abstractmethod
    def stage(self, table: str, frame: pd.DataFrame | pyarrow.Table) -> int:
        """Add rows to a staging copy of `table` held outside any transaction (spilled to disk beyond the memory
        limit), for a write too big for one transaction's memory: gathered piece by piece, then moved into the
        table in one statement by append_staged. Call it outside a transaction; returns the rows staged."""

    @abstractmethod
    def append_staged(self, table: str) -> int:
        """Insert every row staged for `table` into it (inside the caller's transaction) and drop the staging copy;
        returns the rows inserted."""

    @abstractmethod
    def delete(self, table: str, *where: Where) -> None: ...

    @abstractmethod
    def update(self, table: str, values: Mapping[str, Any], *where: Where) -> None:
        """Set columns to values on the rows matching the filters."""

    @abstractmethod
    def count(self, table: str, *where: Where) -> int: ...

    @abstractmethod
    def count_by(self, table: str, column: str, *where: Where) -> dict[Any, int]:
        """Rows per value of `column`."""

    @abstractmethod
    def span(self, table: str, column: str, *where: Where) -> tuple[Any, Any]:
        """(min, max) of `column`; (None, None) when no row matches."""

    @abstractmethod
    def validate_stored(self, table: str, model: type[pa.DataFrameModel], *where: Where) -> StoredValidation:
        """The stored rows under `where` checked against the model's rules where they lie: how many, and their
        failures (pandera's failure_cases: column, check, failure_case, ...; empty when every row passes)."""

    @abstractmethod
    def fingerprint(self, table: str, ignore: Sequence[str] = ()) -> tuple[tuple[str, ...], int, int]:
        """The table's columns but `ignore` (in name order), its row count and a sum of a hash per row over them:
        two tables holding the same rows, in any order, have the same fingerprint, read without loading them."""

    @abstractmethod
    def tables(self) -> set[str]:
        """The tables the warehouse holds (a file written by an older release may lack newer ones)."""

    @abstractmethod
    def copy_slices(
        self, target: str, slices: Mapping[str, Sequence[Where]], columns: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        """Copy each table's slice into the warehouse at `target` (a backend location with the same schema): every
        column, or for a table in `columns` only those (the others NULL in the copy)."""

    # -- the landing manifest --------------------------------------------------------------------------------

    @abstractmethod
    def landed_price_span(self) -> tuple[dt.date | None, dt.date | None]:
        """First and last date the readable price files cover."""

    @abstractmethod
    def changed_raw_rows(self, keys: Sequence[str], rows: pd.DataFrame) -> pd.DataFrame:
        """(source_file, date, ticker) of every row that differs between `rows` (new versions of the files at
        `keys`: source_file, date, ticker, open, high, low, close, volume, as_traded_close, source_line) and the
        raw_prices rows held from those files."""

    # -- the price files' parsed rows ------------------------------------------------------------------------

    @abstractmethod
    def land_price_rows(self, contents: pd.DataFrame, rows: pd.DataFrame) -> int:
        """Replace the landed rows of each content in `contents` (vendor, checksum: a price file's bytes as one
        vendor reads them) by `rows` (vendor, checksum, date, ticker, open, high, low, close, volume,
        as_traded_close, source_line); returns the rows inserted."""

    @abstractmethod
    def release_landed_rows(self, checksums: Sequence[str]) -> None:
        """Drop the landed rows of these contents that no registered or duplicate price file holds any longer."""

    @abstractmethod
    def stage_landed_raw_prices(
        self, start: dt.date, end: dt.date, today: dt.date, ingested_at: dt.datetime
    ) -> list[str]:
        """Stage for raw_prices (as stage() does, outside a transaction) the landed rows dated in [start, end) and
        not after `today` of every registered price file, with its vendor and key as source_file; returns those
        files' keys."""

    @abstractmethod
    def unlanded_price_files(self, start: dt.date, end: dt.date) -> list[str]:
        """Keys of registered price files covering part of [start, end) whose contents have no landed rows."""

    # -- prices ----------------------------------------------------------------------------------------------

    @abstractmethod
    def rebuild_prices(self, calendar: pd.DatetimeIndex, start: Day, end: Day, rules: PriceRules) -> PriceValidation:
        """Replace `prices` and its quarantine over [start, end) from `raw_prices` under the validation rules:
        structural checks, then the best-ranked valid vendor per name-day, then the move rule against the name's
        own neighbouring rows and the other vendors. `calendar` holds the trading days from rules.reach sessions
        before start to rules.reach sessions after the last day: every decision is a function of those rows."""

    @abstractmethod
    def rebase_as_of(self, day: Day) -> None:
        """Make the prices (up to `day`) what a vendor adjusting on `day` would have shipped: each name's bars
        scaled by its F on that day and its price_basis divided by it, segments cut at the day. For a warehouse
        holding only what was known on `day` (the point-in-time check's copy)."""

    @abstractmethod
    def latest_closes(self, tickers: Sequence[str], on_or_before: Day) -> pd.Series:
        """Each ticker's latest close on or before the day, by ticker."""

    @abstractmethod
    def price_fingerprints(self, through: pd.DataFrame) -> pd.DataFrame:
        """(ticker, rows, checksum, first_date, last_date) of each ticker's price rows up to its date in `through`
        (ticker, through): how many, a checksum of their (date, close) that any change to them changes (0 for none),
        and the first and latest of their days (None for none)."""

    # -- research --------------------------------------------------------------------------------------------

    @abstractmethod
    def build_universe(
        self, calendar: pd.DatetimeIndex, first: Day, last: Day, rules: UniverseRules, adv_window: int
    ) -> None:
        """Replace `universe` over [first, last]: names in the security master, not the benchmark, whose close,
        average dollar volume over adv_window sessions and price history in the rules' window pass that day.
        `calendar` holds the trading days from rules.history_window sessions before first."""

    @abstractmethod
    def insert_composite_signals(self, calendar: pd.DatetimeIndex, strategy: Strategy, first: Day, last: Day) -> None:
        """Insert the strategy's signals over [first, last]: sum(weight x factor score) / sum|weight| per name and day
        (a factor a name lacks counts as zero), tradeable on the next session of `calendar`."""

    # -- portfolios and backtests ----------------------------------------------------------------------------

    @abstractmethod
    def rebalance_candidates(
        self, strategy_id: str, days: pd.DatetimeIndex, beta_factor: str, market_beta: float
    ) -> pd.DataFrame:
        """The strategy's signals on `days` (date, ticker, signal), each day's rank from the best and the worst
        signal, the name's beta (the raw value of beta_factor; market_beta where unknown) and GICS sector ('' where
        unknown)."""

    @abstractmethod
    def last_rebalance_book(self, strategy_id: str, before: Day) -> pd.Series:
        """Weights by ticker of the strategy's latest stored rebalance before `before` (empty when none)."""

    @abstractmethod
    def top_by_factor(self, factor: str, days: pd.DatetimeIndex, top_n: int) -> pd.DataFrame:
        """(date, ticker, raw_value) of each day's top_n names by a positive raw factor value."""

    @abstractmethod
    def books_to_measure(self, first: Day, last: Day) -> pd.DataFrame:
        """Target books (date, strategy_id, ticker, weight) in [first, last] on rebalance days and on each
        strategy's latest day (the warehouse's, not the range's: any range gives the same books)."""

    @abstractmethod
    def rebalance_books(self, strategy_id: str) -> pd.DataFrame:
        """(rebalance_date, ticker, weight) of every stored rebalance of the strategy, as first held."""

    @abstractmethod
    def latest_holdings(self) -> pd.DataFrame:
        """Each strategy's target book on its latest day (strategy_id, date, ticker, weight), largest first."""

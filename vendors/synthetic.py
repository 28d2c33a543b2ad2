"""The synthetic vendor: a deterministic factor-model market written in the layouts the real vendors use.

Every random draw comes from a numpy Generator seeded by (seed, year, stream), so a market of T sessions is a
prefix of the same market with T + 1 sessions: the extra daily file continues the history's as-traded price paths.
Some names delist (their rows stop), and a few name-days are missing, as in real vendor data; fundamentals
are annual 10-K rows whose known-at date comes from the reporting lag rule, their share counts as reported.

Names split (2:1, 3:1, 4:1, 3:2) and about half pay quarterly cash dividends. The simulated path is each name's
total-return value V; the as-traded close is V times K, where K steps by m / r on each ex-date (m = 1 - dividend /
the previous as-traded close, r = the split ratio), and the adjusted close (every later action applied, as of the
market's last session) is V times K at that session. Canonical files carry both closes; `write_stooq` writes the
adjusted bars only, as Stooq does, and `write_actions` the splits and dividends in Yahoo's actions layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from quant.calendar import TRADING_DAYS_PER_YEAR, shift_trading_days, trading_days
from storage.parquet import write_prices
from vendors.annual_csv import METRIC_COLUMNS

FIRST_DAY = "2010-01-04"
DEFAULT_SEED = 2010
YEAR = TRADING_DAYS_PER_YEAR
MARKET_DRIFT, MARKET_VOL, SECTOR_VOL = 0.06, 0.16, 0.10
TOTAL_VOL_RANGE, MIN_IDIO_VOL = (0.20, 0.50), 0.08
GAP_SHARE, WICK_SHARE, VOLUME_SIGMA = 0.25, 0.5, 0.35
DELISTED_SHARE, MISSING_SHARE = 0.05, 0.001
SPLIT_CHANCE_PER_YEAR, SPLIT_RATIOS = 0.04, np.array([2.0, 3.0, 4.0, 1.5])
PAYER_SHARE, YIELD_RANGE, DIVIDEND_EVERY = 0.5, (0.01, 0.04), 63
MEDIAN_DOLLAR_VOLUME, DOLLAR_VOLUME_SIGMA = 20e6, 1.2
STREAMS = ("market", "sector", "idio", "gap", "high", "low", "volume", "missing", "split", "split_ratio")
SECTORS: dict[str, tuple[str, str, str]] = {
    "Communication Services": ("Interactive Media & Services", "Movies & Entertainment", "Integrated Telecom Services"),
    "Consumer Discretionary": ("Automobile Manufacturers", "Restaurants", "Specialty Stores"),
    "Consumer Staples": ("Packaged Foods & Meats", "Household Products", "Soft Drinks"),
    "Energy": ("Integrated Oil & Gas", "Oil & Gas Exploration & Production", "Oil & Gas Equipment & Services"),
    "Financials": ("Diversified Banks", "Asset Management & Custody Banks", "Property & Casualty Insurance"),
    "Health Care": ("Pharmaceuticals", "Health Care Equipment", "Managed Health Care"),
    "Industrials": ("Aerospace & Defense", "Airlines", "Industrial Machinery"),
    "Information Technology": ("Semiconductors", "Application Software", "IT Consulting & Other Services"),
    "Materials": ("Specialty Chemicals", "Industrial Gases", "Steel"),
    "Real Estate": ("Office REITs", "Residential REITs", "Specialized REITs"),
    "Utilities": ("Electric Utilities", "Multi-Utilities", "Gas Utilities"),
}
SECTOR_NAMES = np.array(list(SECTORS), dtype=object)
SUB_INDUSTRIES = np.array(list(SECTORS.values()), dtype=object)
PRICE_DIR = ("prices", "canonical")
STOOQ_DIR = ("prices", "stooq")
ACTIONS_DIR = ("corporate_actions", "yahoo_actions")
SECURITIES_PATH = ("securities", "sp500_master", "securities.csv")
FUNDAMENTALS_PATH = ("fundamentals", "annual_csv", "fundamentals_annual.csv")
FUNDAMENTALS_HEADER = ["Ticker Symbol", "Period Ending", "For Year", *METRIC_COLUMNS]


@dataclass(frozen=True)
class Names:
    """Static attributes of the synthetic names, one entry per name."""

    tickers: np.ndarray
    sector: np.ndarray
    sub_industry: np.ndarray
    beta: np.ndarray
    idio_vol: np.ndarray
    daily_vol: np.ndarray
    start_price: np.ndarray
    dollar_volume: np.ndarray
    delisted_after: np.ndarray  # last session index each name trades; the horizon for names that never delist
    dividend_yield: np.ndarray  # annual cash yield; 0 for names that pay none
    dividend_offset: np.ndarray  # a payer's ex-dates are the sessions i with (i + offset) % DIVIDEND_EVERY == 0

    def __len__(self) -> int:
        return len(self.tickers)


def draw_names(count: int, rng: np.random.Generator, horizon: int, delist_rng: np.random.Generator) -> Names:
    """Tickers S00001.., sectors, betas ~ U(0.5, 1.5), total vols ~ U(20%, 50%), prices 10..200, dollar volumes."""
    beta = rng.uniform(0.5, 1.5, count)
    total_vol = rng.uniform(*TOTAL_VOL_RANGE, count)
    systematic_var = beta**2 * MARKET_VOL**2 + SECTOR_VOL**2
    idio_vol = np.sqrt(np.maximum(total_vol**2 - systematic_var, MIN_IDIO_VOL**2))
    return Names(
        tickers=np.char.mod("S%05d", np.arange(1, count + 1)).astype(object),
        sector=rng.integers(0, len(SECTORS), count),
        sub_industry=rng.integers(0, SUB_INDUSTRIES.shape[1], count),
        beta=beta,
        idio_vol=idio_vol / np.sqrt(YEAR),
        daily_vol=np.sqrt(systematic_var + idio_vol**2) / np.sqrt(YEAR),
        start_price=np.exp(rng.uniform(np.log(10.0), np.log(200.0), count)),
        dollar_volume=MEDIAN_DOLLAR_VOLUME * rng.lognormal(0.0, DOLLAR_VOLUME_SIGMA, count),
        delisted_after=np.where(
            delist_rng.random(count) < DELISTED_SHARE, delist_rng.integers(YEAR, YEAR * 40, count), 10**9
        ),
        dividend_yield=np.where(rng.random(count) < PAYER_SHARE, rng.uniform(*YIELD_RANGE, count), 0.0),
        dividend_offset=rng.integers(1, DIVIDEND_EVERY, count),
    )


@dataclass(frozen=True)
class Bars:
    """Daily bars of every name over consecutive sessions; each price array is shaped (sessions, names)."""

    days: pd.DatetimeIndex
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray  # shares traded, as traded
    trades: np.ndarray  # False where the vendor has no row: after a delisting, or a missing name-day
    factor: np.ndarray  # K: as-traded price over total-return value, each session after its actions
    split: np.ndarray  # the split ratio taking effect that session (1 where none)
    dividend: np.ndarray  # the cash dividend per share going ex that session, as paid (0 where none)

    def select(self, keep: np.ndarray) -> Bars:
        """The bars of the sessions where `keep` is true."""
        fields = ("open", "high", "low", "close", "volume", "trades", "factor", "split", "dividend")
        return Bars(self.days[keep], *(getattr(self, name)[keep] for name in fields))

    def frame(self, tickers: np.ndarray, final_factor: np.ndarray | None = None) -> pd.DataFrame:
        """Long canonical rows, date-major then ticker, absent rows left out: as-traded bars, and adj_close on the
        basis of the session whose factor is `final_factor` (default: this block's last session)."""
        sessions, names = self.close.shape
        final = self.factor[-1] if final_factor is None else final_factor
        rows = pd.DataFrame(
            {
                "date": np.repeat(self.days.to_numpy(), names),
                "ticker": pd.Categorical.from_codes(np.tile(np.arange(names), sessions), categories=tickers),
                "open": self.open.ravel(),
                "high": self.high.ravel(),
                "low": self.low.ravel(),
                "close": self.close.ravel(),
                "adj_close": (self.close * final / self.factor).ravel(),
                "volume": self.volume.ravel(),
            }
        )
        return rows[self.trades.ravel()].reset_index(drop=True)


def simulate(
    names: Names,
    days: pd.DatetimeIndex,
    first_index: int,
    last_close: np.ndarray,
    last_factor: np.ndarray,
    rng: dict[str, np.random.Generator],
) -> Bars:
    """Bars over `days` continuing from the total-return value `last_close` and the factor K `last_factor`: market
    beta + sector + idiosyncratic log returns, then splits and dividends on the as-traded bars."""
    shape = (len(days), len(names))
    market = MARKET_DRIFT / YEAR + MARKET_VOL / np.sqrt(YEAR) * rng["market"].standard_normal(len(days))
    sector = SECTOR_VOL / np.sqrt(YEAR) * rng["sector"].standard_normal((len(days), len(SECTORS)))
    drift = -0.5 * (SECTOR_VOL**2 / YEAR + names.idio_vol**2)
    returns = names.beta * market[:, None] + sector[:, names.sector] + drift
    returns += names.idio_vol * rng["idio"].standard_normal(shape)
    log_close = np.log(last_close) + np.cumsum(returns, axis=0)
    close = np.exp(log_close)
    previous = np.vstack([last_close, close[:-1]])
    open_ = previous * np.exp(GAP_SHARE * names.daily_vol * rng["gap"].standard_normal(shape))
    high = np.maximum(open_, close) * np.exp(WICK_SHARE * names.daily_vol * np.abs(rng["high"].standard_normal(shape)))
    low = np.minimum(open_, close) * np.exp(-WICK_SHARE * names.daily_vol * np.abs(rng["low"].standard_normal(shape)))
    noise = np.exp(VOLUME_SIGMA * rng["volume"].standard_normal(shape) - VOLUME_SIGMA**2 / 2)
    listed = (first_index + np.arange(len(days)))[:, None] <= names.delisted_after
    trades = listed & (rng["missing"].random(shape) >= MISSING_SHARE)
    split = np.where(rng["split"].random(shape) < SPLIT_CHANCE_PER_YEAR / YEAR, 1.0, 0.0)
    split = np.where(split > 0, SPLIT_RATIOS[rng["split_ratio"].integers(0, len(SPLIT_RATIOS), shape)], 1.0)
    factor, dividend = as_traded_factor(names, first_index, previous, last_factor, split)
    volume = np.maximum(np.rint(names.dollar_volume * noise / (close * factor)), 100.0)
    bars = [values * factor for values in (open_, high, low, close)]
    return Bars(days, *bars, volume, trades, factor, split, dividend)


def as_traded_factor(
    names: Names, first_index: int, previous_value: np.ndarray, last_factor: np.ndarray, split: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """K per session (as-traded close / total-return value) and the cash dividends paid: a dividend is a quarter
    of the yield times the previous as-traded close, so K steps by m = 1 - yield / 4 on an ex-date, and by 1 / r on
    a split."""
    sessions = first_index + np.arange(len(previous_value))
    ex = (names.dividend_yield > 0) & ((sessions[:, None] + names.dividend_offset) % DIVIDEND_EVERY == 0)
    step = np.where(ex, 1 - names.dividend_yield / 4, 1.0) / split
    factor = last_factor * np.cumprod(step, axis=0)
    previous_factor = np.vstack([last_factor, factor[:-1]])
    dividend = np.where(ex, names.dividend_yield / 4 * previous_value * previous_factor, 0.0)
    return factor, dividend


@contextmanager
def landing_file(path: Path) -> Iterator[Path]:
    """Write to a hidden partial file (the landing zone skips dot files), then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    yield partial
    partial.replace(path)


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Canonical Parquet: date DATE, ticker VARCHAR, prices and volume DOUBLE."""
    with landing_file(path) as partial:
        write_prices(frame, partial)
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """A vendor CSV with a header line and no index column."""
    with landing_file(path) as partial:
        frame.to_csv(partial, index=False)
    return path


class SyntheticMarket:
    """A reproducible market: `names` tickers over `days` sessions of history from `first_day` (a session; default
    2010-01-04), plus one more."""

    def __init__(self, names: int, days: int, seed: int = DEFAULT_SEED, first_day: str = FIRST_DAY) -> None:
        if not 1 <= names <= 99_999 or days < 1:
            raise ValueError(f"need 1..99,999 names and at least one day, got {names} names and {days} days")
        self.seed = seed
        self.sessions = trading_days(first_day, shift_trading_days(first_day, days))
        self.history_days = self.sessions[:days]
        self.extra_day = self.sessions[days]
        self.names = draw_names(
            names, np.random.default_rng([seed, 0]), len(self.sessions), np.random.default_rng([seed, 2])
        )

    def streams(self, year: int) -> dict[str, np.random.Generator]:
        """One generator per random quantity and year, so longer markets extend shorter ones."""
        return {name: np.random.default_rng([self.seed, year, k]) for k, name in enumerate(STREAMS)}

    def bars(self) -> Iterator[Bars]:
        """Bars of every session (history and the extra day), one calendar year at a time."""
        value, factor, first = self.names.start_price, np.ones(len(self.names)), 0
        for year in np.unique(self.sessions.year):
            days = self.sessions[self.sessions.year == year]
            bars = simulate(self.names, days, first, value, factor, self.streams(int(year)))
            value, factor, first = bars.close[-1] / bars.factor[-1], bars.factor[-1], first + len(days)
            yield bars

    def final_factor(self, day: pd.Timestamp | None = None) -> np.ndarray:
        """K on a session (default: the market's last): the basis of the adjusted closes written as of that day.
        Canonical history files are adjusted as of the last session, as a vendor that restates its history with
        each delivery does."""
        day = self.sessions[-1] if day is None else day
        for bars in self.bars():
            if day in bars.days:
                return bars.factor[bars.days.get_loc(day)]
        raise ValueError(f"{day} is not a session of this market")

    def history_frame(self, basis_day: pd.Timestamp | None = None) -> pd.DataFrame:
        """Every canonical history row (before the extra day), adjusted closes as of `basis_day` (default: the
        market's last session)."""
        final = self.final_factor(basis_day)
        frames = [b.select(b.days < self.extra_day).frame(self.names.tickers, final) for b in self.bars()]
        return pd.concat(frames, ignore_index=True)

    def write_history(self, landing: Path) -> list[Path]:
        """One canonical Parquet file per calendar year of history: <landing>/prices/canonical/history_YYYY.parquet."""
        written, final = [], self.final_factor()
        for bars in self.bars():
            history = bars.select(bars.days < self.extra_day)
            if len(history.days):
                path = landing.joinpath(*PRICE_DIR, f"history_{history.days[0].year}.parquet")
                written.append(write_parquet(history.frame(self.names.tickers, final), path))
        return written

    def write_extra_day(self, landing: Path) -> Path:
        """The session after the history as a canonical daily CSV: <landing>/prices/canonical/prices_YYYY-MM-DD.csv."""
        *_, last = self.bars()
        frame = last.select(last.days == self.extra_day).frame(self.names.tickers)
        frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
        return write_csv(frame, landing.joinpath(*PRICE_DIR, f"prices_{self.extra_day.date()}.csv"))

    def actions(self, through: pd.Timestamp | None = None) -> pd.DataFrame:
        """Every split and cash dividend (ticker, ex_date, split_ratio, dividend as paid) through a day (default:
        the history's last), one row per ticker and ex-date."""
        through = self.history_days[-1] if through is None else through
        rows = []
        for bars in self.bars():
            keep = bars.days <= through
            split, dividend = bars.split[keep], bars.dividend[keep]
            day, name = np.nonzero((split != 1) | (dividend > 0))
            rows.append(
                pd.DataFrame(
                    {
                        "ticker": self.names.tickers[name],
                        "ex_date": bars.days[keep][day],
                        "split_ratio": split[day, name],
                        "dividend": dividend[day, name],
                    }
                )
            )
        return pd.concat(rows, ignore_index=True).sort_values(["ticker", "ex_date"], ignore_index=True)

    def write_actions(self, landing: Path, tickers: list[str] | None = None) -> list[Path]:
        """Each ticker's splits and dividends in Yahoo's actions layout (Date,Dividends,Stock Splits; dividends on
        the basis of later splits, as Yahoo gives them; a header only for a ticker with none):
        <landing>/corporate_actions/yahoo_actions/<TICKER>.csv."""
        actions, written = self.actions(), []
        for ticker in tickers or list(self.names.tickers):
            own = actions[actions["ticker"] == ticker]
            later_splits = own["split_ratio"][::-1].cumprod()[::-1].shift(-1, fill_value=1.0)
            frame = pd.DataFrame(
                {
                    "Date": own["ex_date"].dt.strftime("%Y-%m-%d"),
                    "Dividends": (own["dividend"] / later_splits).map(repr),
                    "Stock Splits": np.where(own["split_ratio"] != 1, own["split_ratio"], 0.0),
                }
            )
            written.append(write_csv(frame, landing.joinpath(*ACTIONS_DIR, f"{ticker}.csv")))
        return written

    def write_stooq(self, landing: Path, tickers: list[str] | None = None) -> list[Path]:
        """Stooq's layout: one file per ticker of adjusted bars only (every split and dividend through the
        history's last session applied), volume on the basis of later splits: <landing>/prices/stooq/<t>.us.txt."""
        rows, written = self.history_frame(self.history_days[-1]), []
        scale = rows["adj_close"] / rows["close"]
        later_splits = self._later_splits(rows)
        bars = pd.DataFrame(
            {
                "Date": rows["date"].dt.strftime("%Y-%m-%d"),
                **{column.title(): rows[column] * scale for column in ("open", "high", "low", "close")},
                "Volume": rows["volume"] * later_splits,
                "OpenInt": 0,
                "ticker": rows["ticker"].astype(str),
            }
        )
        by_ticker = dict(tuple(bars.groupby("ticker", sort=False)))
        for ticker in tickers or list(self.names.tickers):
            own = by_ticker.get(ticker, bars.iloc[:0]).drop(columns="ticker")
            written.append(write_csv(own, landing.joinpath(*STOOQ_DIR, f"{ticker.lower()}.us.txt")))
        return written

    def _later_splits(self, rows: pd.DataFrame) -> np.ndarray:
        """For each row, the product of the splits of its ticker after its date (through the history)."""
        splits = self.actions()
        splits = splits[splits["split_ratio"] != 1]
        out = np.ones(len(rows))
        for ticker, ex_date, ratio in splits[["ticker", "ex_date", "split_ratio"]].itertuples(index=False):
            out[((rows["ticker"] == ticker) & (rows["date"] < ex_date)).to_numpy()] *= ratio
        return out

    def securities(self) -> pd.DataFrame:
        """Security master rows: ticker, name, GICS sector and sub-industry, CIK."""
        numbers = pd.Series(self.names.tickers).str[1:]
        return pd.DataFrame(
            {
                "Ticker Symbol": self.names.tickers,
                "Security": "Synthetic Company " + numbers + " Inc",
                "GICS Sector": SECTOR_NAMES[self.names.sector],
                "GICS Sub Industry": SUB_INDUSTRIES[self.names.sector, self.names.sub_industry],
                "CIK": 1_000_000 + np.arange(1, len(self.names) + 1),
            }
        )

    def write_securities(self, landing: Path) -> Path:
        """The security master CSV: <landing>/securities/sp500_master/securities.csv."""
        return write_csv(self.securities(), landing.joinpath(*SECURITIES_PATH))

    def fiscal_years(self) -> np.ndarray:
        """Every year the prices cover, plus the year before (its 10-K is known early in the first year)."""
        years = np.unique(self.sessions.year)
        return np.arange(years[0] - 1, years[-1] + 1)

    def fundamentals(self) -> pd.DataFrame:
        """One annual 10-K row per ticker and fiscal year, period ending 12/31."""
        years = self.fiscal_years()
        values = draw_fundamentals(self.names, len(years), np.random.default_rng([self.seed, 1]))
        reported = values["Estimated Shares Outstanding"] * self.splits_through(years)  # as reported, after splits
        values["Estimated Shares Outstanding"] = np.rint(reported).astype(np.int64)
        values["Earnings Per Share"] = np.round(values["Net Income"] / reported, 2)
        frame = pd.DataFrame(
            {
                "Ticker Symbol": np.repeat(self.names.tickers, len(years)),
                "Period Ending": np.tile(np.char.mod("12/31/%d", years), len(self.names)),
                "For Year": np.tile(years, len(self.names)),
            }
        )
        for column, matrix in values.items():
            frame[column] = matrix.ravel()
        return frame[FUNDAMENTALS_HEADER]

    def splits_through(self, years: np.ndarray) -> np.ndarray:
        """(names, years): the product of each name's split ratios with an ex-date on or before 12/31 of the year."""
        splits = self.actions(self.sessions[-1])
        splits = splits[splits["split_ratio"] != 1]
        out = np.ones((len(self.names), len(years)))
        index = {ticker: i for i, ticker in enumerate(self.names.tickers)}
        for ticker, ex_date, ratio in splits[["ticker", "ex_date", "split_ratio"]].itertuples(index=False):
            out[index[ticker], years >= ex_date.year] *= ratio
        return out

    def write_fundamentals(self, landing: Path) -> Path:
        """The annual fundamentals CSV: <landing>/fundamentals/annual_csv/fundamentals_annual.csv."""
        return write_csv(self.fundamentals(), landing.joinpath(*FUNDAMENTALS_PATH))


def draw_fundamentals(names: Names, years: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Plausible 10-K figures shaped (names, years): book value about half the market value, ROE around 11%."""
    count = len(names)
    shares = np.exp(rng.uniform(np.log(50e6), np.log(2e9), count))[:, None]
    shares = shares * np.exp(np.cumsum(rng.normal(0.0, 0.02, (count, years)), axis=1))
    book_per_share = names.start_price * rng.lognormal(np.log(0.45), 0.5, count)
    equity = shares * book_per_share[:, None] * np.exp(np.cumsum(rng.normal(0.04, 0.06, (count, years)), axis=1))
    roe = rng.normal(0.11, 0.07, count)[:, None] + rng.normal(0.0, 0.04, (count, years))
    assets = equity * rng.uniform(1.3, 6.0, count)[:, None]
    revenue = assets * rng.uniform(0.2, 1.5, count)[:, None] * rng.lognormal(0.0, 0.05, (count, years))
    net_income = roe * equity
    return {
        "Total Equity": np.rint(equity).astype(np.int64),
        "Net Income": np.rint(net_income).astype(np.int64),
        "Total Revenue": np.rint(revenue).astype(np.int64),
        "Gross Profit": np.rint(revenue * rng.uniform(0.15, 0.7, count)[:, None]).astype(np.int64),
        "Total Assets": np.rint(assets).astype(np.int64),
        "Estimated Shares Outstanding": np.rint(shares).astype(np.int64),
        "Earnings Per Share": np.round(net_income / shares, 2),
    }

"""pandera models of the warehouse tables: what a valid row of each table is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from quant.calendar import trading_days
from quant.evaluation import HORIZONS
from quant.fundamentals import FIRST_PERIOD, FUNDAMENTAL_METRICS
from quant.tickers import TICKER_PATTERN
from quant.var import CONFIDENCES, METHODS
from quant.var import HORIZONS as VAR_HORIZONS
from quant.walk_forward import MODELS
from storage.schema import FILE_STATUSES, QUARANTINE_DATASETS


def _span(dates):
    """(min, max) of a date column, of a pandas frame or of a stored table (pandera's ibis backend: a query)."""
    first, last = dates.min(), dates.max()
    if hasattr(first, "execute"):
        first, last = first.execute(), last.execute()
    return first, last


class _Table(pa.DataFrameModel):
    class Config:
        coerce = True
        strict = False


class RawPricesModel(_Table):
    date: Series[pd.Timestamp]
    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$")
    open: Series[float] = pa.Field(nullable=True)
    high: Series[float] = pa.Field(nullable=True)
    low: Series[float] = pa.Field(nullable=True)
    close: Series[float] = pa.Field(nullable=True)
    volume: Series[float] = pa.Field(nullable=True)
    vendor: Series[str]
    source_file: Series[str]
    source_line: Series[int] = pa.Field(ge=1)
    as_traded_close: Series[float] = pa.Field(nullable=True)


class PricesModel(_Table):
    date: Series[pd.Timestamp]
    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$")
    open: Series[float] = pa.Field(gt=0)
    high: Series[float] = pa.Field(gt=0)
    low: Series[float] = pa.Field(gt=0)
    close: Series[float] = pa.Field(gt=0)
    volume: Series[float] = pa.Field(ge=0)
    dollar_volume: Series[float] = pa.Field(ge=0)
    vendor: Series[str]
    source_file: Series[str]
    source_line: Series[int] = pa.Field(ge=1)
    as_traded_close: Series[float] = pa.Field(gt=0, nullable=True)

    class Config:
        unique = ["date", "ticker"]

    @pa.dataframe_check
    def high_at_least_low(cls, df: pd.DataFrame) -> Series[bool]:
        return df["high"] >= df["low"]

    @pa.dataframe_check
    def close_within_range(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["close"] >= df["low"]) & (df["close"] <= df["high"])

    @pa.dataframe_check
    def on_trading_days(cls, df: pd.DataFrame) -> Series[bool]:
        first, last = _span(df["date"])
        if pd.isna(first):
            return df["date"].notnull()  # no rows
        sessions = trading_days(first, last)
        if isinstance(df, pd.DataFrame):
            return df["date"].isin(sessions)
        import ibis  # a stored table: the sessions as a table to semi-join, not 2,500 literals in the query

        return df["date"].isin(ibis.memtable({"date": sessions.date})["date"])


class QuarantineModel(_Table):
    dataset: Series[str] = pa.Field(isin=list(QUARANTINE_DATASETS))
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    ticker: Series[str] = pa.Field(nullable=True)
    reason: Series[str]
    vendor: Series[str] = pa.Field(nullable=True)
    source_file: Series[str] = pa.Field(nullable=True)
    source_line: Series[float] = pa.Field(nullable=True, ge=1)
    detected_at: Series[pd.Timestamp]


class SecuritiesModel(_Table):
    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$", unique=True)
    name: Series[str] = pa.Field(nullable=True)
    sector: Series[str] = pa.Field(nullable=True)
    sub_industry: Series[str] = pa.Field(nullable=True)
    cik: Series[float] = pa.Field(nullable=True, ge=0)
    source_file: Series[str]


class FundamentalsModel(_Table):
    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$")
    metric: Series[str] = pa.Field(isin=list(FUNDAMENTAL_METRICS))
    period_end: Series[pd.Timestamp] = pa.Field(ge=FIRST_PERIOD)
    known_at: Series[pd.Timestamp]
    value: Series[float]
    source: Series[str]

    class Config:
        unique = ["ticker", "metric", "period_end", "known_at", "source"]

    @pa.dataframe_check
    def known_after_period_end(cls, df: pd.DataFrame) -> Series[bool]:
        return df["known_at"] >= df["period_end"]

    @pa.check("value")
    def finite(cls, value: Series[float]) -> Series[bool]:
        return pd.Series(np.isfinite(value), index=value.index)


class UniverseModel(_Table):
    date: Series[pd.Timestamp]
    ticker: Series[str]
    close: Series[float] = pa.Field(gt=0)
    adv21: Series[float] = pa.Field(ge=0)
    history_days: Series[int] = pa.Field(ge=1)

    class Config:
        unique = ["date", "ticker"]


class FactorsModel(_Table):
    """One row per universe member and day; per factor '<factor>__raw_value', '__zscore' and '__sector_zscore'."""

    date: Series[pd.Timestamp]
    ticker: Series[str]
    raw_values: Series[float] = pa.Field(alias=r".+__raw_value", regex=True, nullable=True)
    zscores: Series[float] = pa.Field(alias=r".+__zscore", regex=True, nullable=True, ge=-50, le=50)
    sector_zscores: Series[float] = pa.Field(alias=r".+__sector_zscore", regex=True, nullable=True)

    class Config:
        unique = ["date", "ticker"]

    @pa.dataframe_check
    def raw_value_where_scored(cls, df: pd.DataFrame) -> Series[bool]:
        """A factor's raw value is stored exactly where its z-score is."""
        known = pd.Series(True, index=df.index)
        for column in [c for c in df.columns if c.endswith("__zscore")]:
            raw = column.removesuffix("__zscore") + "__raw_value"
            known &= df[column].notna() == df[raw].notna()
        return known


class SignalsModel(_Table):
    symbol: Series[str]
    signal_timestamp: Series[pd.Timestamp]
    timestamp: Series[pd.Timestamp]
    signal: Series[float]
    strategy_id: Series[str]

    class Config:
        unique = ["symbol", "signal_timestamp", "strategy_id"]

    @pa.dataframe_check
    def tradeable_after_the_data(cls, df: pd.DataFrame) -> Series[bool]:
        return df["timestamp"] > df["signal_timestamp"]


class SignalModelFitsModel(_Table):
    strategy_id: Series[str]
    fit_date: Series[pd.Timestamp]
    model: Series[str] = pa.Field(isin=list(MODELS))
    train_start: Series[pd.Timestamp]
    train_end: Series[pd.Timestamp]
    label_end: Series[pd.Timestamp]
    samples: Series[int] = pa.Field(gt=0)

    class Config:
        unique = ["strategy_id", "fit_date"]

    @pa.dataframe_check
    def labels_end_before_the_fit(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["train_start"] <= df["train_end"]) & (df["label_end"] < df["fit_date"])


class TargetPortfolioModel(_Table):
    date: Series[pd.Timestamp]
    strategy_id: Series[str]
    ticker: Series[str]
    weight: Series[float] = pa.Field(ge=-1, le=1)
    rebalance_date: Series[pd.Timestamp]

    class Config:
        unique = ["date", "strategy_id", "ticker"]

    @pa.dataframe_check
    def rebalanced_on_or_before(cls, df: pd.DataFrame) -> Series[bool]:
        return df["rebalance_date"] <= df["date"]


class PortfolioRiskModel(_Table):
    date: Series[pd.Timestamp]
    strategy_id: Series[str]
    method: Series[str] = pa.Field(isin=list(METHODS))
    horizon_days: Series[int] = pa.Field(isin=list(VAR_HORIZONS))
    confidence: Series[float] = pa.Field(isin=list(CONFIDENCES))
    var: Series[float] = pa.Field(ge=-1)
    cvar: Series[float] = pa.Field(ge=-1)

    @pa.dataframe_check
    def tail_beyond_var(cls, df: pd.DataFrame) -> Series[bool]:
        return df["cvar"] >= df["var"] - 1e-12


class FactorEvaluationDailyModel(_Table):
    date: Series[pd.Timestamp]
    factor: Series[str]
    horizon: Series[int] = pa.Field(isin=list(HORIZONS))
    pearson_ic: Series[float] = pa.Field(ge=-1 - 1e-9, le=1 + 1e-9, nullable=True)
    spearman_ic: Series[float] = pa.Field(ge=-1 - 1e-9, le=1 + 1e-9, nullable=True)
    rank_autocorrelation: Series[float] = pa.Field(ge=-1 - 1e-9, le=1 + 1e-9, nullable=True)
    top_turnover: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    bottom_turnover: Series[float] = pa.Field(ge=0, le=1, nullable=True)

    class Config:
        unique = ["date", "factor", "horizon"]


class FactorEvaluationModel(_Table):
    factor: Series[str]
    horizon: Series[int] = pa.Field(isin=list(HORIZONS))
    days: Series[int] = pa.Field(ge=0)
    mean_spearman_ic: Series[float] = pa.Field(ge=-1, le=1, nullable=True)

    class Config:
        unique = ["factor", "horizon"]


class FracDiffModel(_Table):
    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$")
    date: Series[pd.Timestamp]
    d: Series[float] = pa.Field(ge=0, le=1)
    width: Series[int] = pa.Field(ge=1)
    value: Series[float]

    class Config:
        unique = ["ticker", "date"]


class FracDiffStateModel(_Table):
    """What each ticker's stored series was made from: d (NULL where none was found), the window, the day its d
    search stopped before, its last price, a checksum of its price rows (date, close) up to it, and how many
    frac_diff rows the series holds."""

    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$")
    d: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    width: Series[int] = pa.Field(ge=0)
    search_before: Series[pd.Timestamp]
    last_date: Series[pd.Timestamp]
    price_rows: Series[int] = pa.Field(ge=1)
    price_checksum: Series[np.uint64]
    value_rows: Series[int] = pa.Field(ge=0)

    class Config:
        unique = ["ticker"]


class BacktestEventsModel(_Table):
    strategy_id: Series[str]
    date: Series[pd.Timestamp]
    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$")
    event: Series[str] = pa.Field(isin=["delisted", "unfilled"])
    weight: Series[float]
    detail: Series[str]


class BacktestReturnsModel(_Table):
    strategy_id: Series[str]
    date: Series[pd.Timestamp]
    gross_return: Series[float] = pa.Field(gt=-1)
    commission: Series[float] = pa.Field(ge=0)
    slippage: Series[float] = pa.Field(ge=0)
    cost: Series[float] = pa.Field(ge=0)
    net_return: Series[float] = pa.Field(gt=-1)
    turnover: Series[float] = pa.Field(ge=0)

    class Config:
        unique = ["strategy_id", "date"]

    @pa.dataframe_check
    def cost_is_commission_plus_slippage(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["commission"] + df["slippage"] - df["cost"]).abs() < 1e-12


class BacktestMetricsModel(_Table):
    strategy_id: Series[str] = pa.Field(unique=True)
    start_date: Series[pd.Timestamp]
    end_date: Series[pd.Timestamp]
    frequency: Series[str]
    total_return: Series[float] = pa.Field(nullable=True)
    max_drawdown: Series[float] = pa.Field(le=0, nullable=True)
    profitable_trades: Series[int] = pa.Field(ge=0)
    losing_trades: Series[int] = pa.Field(ge=0)
    hyperparameters: Series[str]


class BacktestGridModel(_Table):
    strategy_id: Series[str]
    run_id: Series[int] = pa.Field(ge=1)
    max_drawdown: Series[float] = pa.Field(le=0, nullable=True)
    passed: Series[bool]
    reason: Series[str]
    selected: Series[bool]

    class Config:
        unique = ["strategy_id", "run_id"]

    @pa.dataframe_check
    def only_passing_runs_are_selected(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df["selected"] | df["passed"]

    @pa.dataframe_check
    def at_most_one_selected_per_strategy(cls, df: pd.DataFrame) -> Series[bool]:
        return df.groupby("strategy_id")["selected"].transform("sum") <= 1


class OosSimulationModel(_Table):
    strategy_id: Series[str] = pa.Field(unique=True)
    status: Series[str] = pa.Field(isin=["simulated", "not_run"])
    passed: Series[bool]
    reason: Series[str]

    @pa.dataframe_check
    def only_simulated_runs_pass(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df["passed"] | (df["status"] == "simulated")


class LandingManifestModel(_Table):
    key: Series[str]
    vendor: Series[str]
    dataset: Series[str]
    size: Series[int] = pa.Field(ge=0)
    version: Series[str]
    status: Series[str] = pa.Field(isin=list(FILE_STATUSES))
    error: Series[str] = pa.Field(nullable=True)
    rows_before_start: Series[float] = pa.Field(ge=0, nullable=True)

    class Config:
        unique = ["key"]


class StalePartitionsModel(_Table):
    asset: Series[str]
    partition_key: Series[str]
    reason: Series[str]

    class Config:
        unique = ["asset", "partition_key"]


class BuiltPartitionsModel(_Table):
    asset: Series[str]
    partition_key: Series[str]

    class Config:
        unique = ["asset", "partition_key"]


class ChangedPartitionsModel(_Table):
    asset: Series[str]
    partition_key: Series[str]
    reason: Series[str]

    class Config:
        unique = ["asset", "partition_key"]


class CorporateActionsModel(_Table):
    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$")
    ex_date: Series[pd.Timestamp]
    split_ratio: Series[float] = pa.Field(gt=0)
    dividend: Series[float] = pa.Field(ge=0)
    vendor: Series[str]
    source_file: Series[str]
    source_line: Series[int] = pa.Field(ge=1)

    class Config:
        unique = ["ticker", "ex_date"]


class ActionsCoverageModel(_Table):
    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$")
    vendor: Series[str]
    source_file: Series[str]


class PriceBasisModel(_Table):
    ticker: Series[str] = pa.Field(str_matches=f"^{TICKER_PATTERN}$")
    first_date: Series[pd.Timestamp]
    last_date: Series[pd.Timestamp]
    factor: Series[float] = pa.Field(gt=0)
    source: Series[str] = pa.Field(isin=["as_traded", "corporate_actions"])

    @pa.dataframe_check
    def ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return df["first_date"] <= df["last_date"]


TABLE_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "stale_partitions": StalePartitionsModel,
    "changed_partitions": ChangedPartitionsModel,
    "built_partitions": BuiltPartitionsModel,
    "landing_manifest": LandingManifestModel,
    "raw_prices": RawPricesModel,
    "prices": PricesModel,
    "quarantine": QuarantineModel,
    "securities": SecuritiesModel,
    "fundamentals": FundamentalsModel,
    "corporate_actions": CorporateActionsModel,
    "actions_coverage": ActionsCoverageModel,
    "price_basis": PriceBasisModel,
    "universe": UniverseModel,
    "factors": FactorsModel,
    "signals": SignalsModel,
    "signal_model_fits": SignalModelFitsModel,
    "target_portfolio": TargetPortfolioModel,
    "portfolio_risk": PortfolioRiskModel,
    "factor_evaluation_daily": FactorEvaluationDailyModel,
    "factor_evaluation": FactorEvaluationModel,
    "frac_diff": FracDiffModel,
    "frac_diff_state": FracDiffStateModel,
    "backtest_returns": BacktestReturnsModel,
    "backtest_events": BacktestEventsModel,
    "backtest_metrics": BacktestMetricsModel,
    "backtest_grid": BacktestGridModel,
    "oos_simulation": OosSimulationModel,
    "oos_returns": BacktestReturnsModel,
}

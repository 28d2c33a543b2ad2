"""Explicit DDL for every warehouse table; the table names are the asset names."""

from __future__ import annotations

from functools import lru_cache

from quant.factors import FACTORS

QUARANTINE_DATASETS = ("raw_prices", "prices", "securities", "fundamentals", "corporate_actions")
FILE_STATUSES = ("registered", "failed", "duplicate")
# the (day, ticker) columns a table is read by as a panel, where they are not (date, ticker)
PANEL_AXES = {"signals": ("signal_timestamp", "symbol")}

FACTOR_SCORES = ("raw_value", "zscore", "sector_zscore")


def factor_column(factor: str, score: str) -> str:
    """The `factors` column holding one score of one factor: '<factor>__<score>'."""
    if score not in FACTOR_SCORES:
        raise ValueError(f"unknown factor score {score!r}; known: {', '.join(FACTOR_SCORES)}")
    return f"{factor}__{score}"


def factors_ddl() -> str:
    """The factors table, wide: a name-day's factors are read together (composites, model features) and a row per
    name, day and factor cost a date, a ticker and a factor name per value (113 M rows at 5,000 names x 10 years)."""
    scores = [f"{factor_column(f.name, score)} DOUBLE" for f in FACTORS for score in FACTOR_SCORES]
    return ", ".join(["date DATE NOT NULL", "ticker VARCHAR NOT NULL", *scores])


LEGACY_LAYOUTS = {"factors": "factor"}  # a table holding this column was written by an older release in long form

TABLES: dict[str, str] = {
    "stale_partitions": """
        asset VARCHAR NOT NULL, partition_key VARCHAR NOT NULL, reason VARCHAR NOT NULL,
        marked_at TIMESTAMP NOT NULL""",
    "changed_partitions": """
        asset VARCHAR NOT NULL, partition_key VARCHAR NOT NULL, reason VARCHAR NOT NULL,
        marked_at TIMESTAMP NOT NULL""",
    "built_partitions": """
        asset VARCHAR NOT NULL, partition_key VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL""",
    "landing_manifest": """
        key VARCHAR NOT NULL, vendor VARCHAR NOT NULL, dataset VARCHAR NOT NULL, size BIGINT NOT NULL,
        version VARCHAR NOT NULL, checksum VARCHAR NOT NULL, modified TIMESTAMP NOT NULL,
        first_date DATE, last_date DATE, row_count BIGINT, status VARCHAR NOT NULL, error VARCHAR,
        registered_at TIMESTAMP NOT NULL, ingested_at TIMESTAMP, rows_before_start BIGINT, earliest_date DATE,
        registered_start DATE""",
    "raw_prices": """
        date DATE NOT NULL, ticker VARCHAR NOT NULL, open DOUBLE, high DOUBLE, low DOUBLE,
        close DOUBLE, volume DOUBLE, vendor VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        source_line BIGINT NOT NULL, ingested_at TIMESTAMP NOT NULL, as_traded_close DOUBLE""",
    "landed_prices": """
        vendor VARCHAR NOT NULL, checksum VARCHAR NOT NULL, date DATE NOT NULL, ticker VARCHAR NOT NULL,
        open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, as_traded_close DOUBLE,
        source_line BIGINT NOT NULL""",
    "prices": """
        date DATE NOT NULL, ticker VARCHAR NOT NULL, open DOUBLE NOT NULL, high DOUBLE NOT NULL,
        low DOUBLE NOT NULL, close DOUBLE NOT NULL, volume DOUBLE NOT NULL,
        dollar_volume DOUBLE NOT NULL, vendor VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        source_line BIGINT NOT NULL, as_traded_close DOUBLE""",
    "quarantine": """
        dataset VARCHAR NOT NULL, date DATE, ticker VARCHAR, reason VARCHAR NOT NULL,
        vendor VARCHAR, source_file VARCHAR, source_line BIGINT, detected_at TIMESTAMP NOT NULL""",
    "securities": """
        ticker VARCHAR NOT NULL, name VARCHAR, sector VARCHAR, sub_industry VARCHAR,
        cik BIGINT, source_file VARCHAR NOT NULL""",
    "fundamentals": """
        ticker VARCHAR NOT NULL, metric VARCHAR NOT NULL, period_end DATE NOT NULL,
        known_at DATE NOT NULL, value DOUBLE NOT NULL, source VARCHAR NOT NULL""",
    "corporate_actions": """
        ticker VARCHAR NOT NULL, ex_date DATE NOT NULL, split_ratio DOUBLE NOT NULL, dividend DOUBLE NOT NULL,
        vendor VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_line BIGINT NOT NULL""",
    "actions_coverage": """
        ticker VARCHAR NOT NULL, vendor VARCHAR NOT NULL, source_file VARCHAR NOT NULL""",
    "price_basis": """
        ticker VARCHAR NOT NULL, first_date DATE NOT NULL, last_date DATE NOT NULL, factor DOUBLE NOT NULL,
        source VARCHAR NOT NULL""",
    "universe": """
        date DATE NOT NULL, ticker VARCHAR NOT NULL, close DOUBLE NOT NULL,
        adv21 DOUBLE NOT NULL, history_days INTEGER NOT NULL""",
    "factors": factors_ddl(),
    "signals": """
        symbol VARCHAR NOT NULL, signal_timestamp DATE NOT NULL, timestamp DATE NOT NULL,
        signal DOUBLE NOT NULL, strategy_id VARCHAR NOT NULL""",
    "signal_model_fits": """
        strategy_id VARCHAR NOT NULL, fit_date DATE NOT NULL, model VARCHAR NOT NULL, train_start DATE NOT NULL,
        train_end DATE NOT NULL, label_end DATE NOT NULL, samples BIGINT NOT NULL, features JSON NOT NULL,
        params JSON NOT NULL""",
    "target_portfolio": """
        date DATE NOT NULL, strategy_id VARCHAR NOT NULL, ticker VARCHAR NOT NULL,
        weight DOUBLE NOT NULL, rebalance_date DATE NOT NULL""",
    "portfolio_risk": """
        date DATE NOT NULL, strategy_id VARCHAR NOT NULL, method VARCHAR NOT NULL, horizon_days INTEGER NOT NULL,
        confidence DOUBLE NOT NULL, var DOUBLE NOT NULL, cvar DOUBLE NOT NULL""",
    "investor_portfolio": """
        strategy_id VARCHAR NOT NULL, as_of DATE NOT NULL, ticker VARCHAR NOT NULL, weight DOUBLE NOT NULL,
        price DOUBLE NOT NULL, shares DOUBLE NOT NULL, value DOUBLE NOT NULL, current_shares DOUBLE NOT NULL,
        trade_shares DOUBLE NOT NULL, cash_left DOUBLE NOT NULL, hold_until DATE NOT NULL, amount DOUBLE NOT NULL,
        mode VARCHAR NOT NULL, investor_id VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL""",
    "factor_evaluation_daily": """
        date DATE NOT NULL, factor VARCHAR NOT NULL, horizon INTEGER NOT NULL, pearson_ic DOUBLE,
        spearman_ic DOUBLE, q1_return DOUBLE, q2_return DOUBLE, q3_return DOUBLE, q4_return DOUBLE,
        q5_return DOUBLE, top_minus_bottom DOUBLE, rank_autocorrelation DOUBLE, top_turnover DOUBLE,
        bottom_turnover DOUBLE, q1_return_demeaned DOUBLE, q2_return_demeaned DOUBLE, q3_return_demeaned DOUBLE,
        q4_return_demeaned DOUBLE, q5_return_demeaned DOUBLE""",
    "factor_evaluation": """
        factor VARCHAR NOT NULL, horizon INTEGER NOT NULL, days BIGINT NOT NULL, start_date DATE, end_date DATE,
        mean_pearson_ic DOUBLE, mean_spearman_ic DOUBLE, spearman_ic_std DOUBLE, ic_ir DOUBLE,
        q1_return DOUBLE, q2_return DOUBLE, q3_return DOUBLE, q4_return DOUBLE, q5_return DOUBLE,
        top_minus_bottom DOUBLE, rank_autocorrelation DOUBLE, top_turnover DOUBLE, bottom_turnover DOUBLE,
        computed_at TIMESTAMP NOT NULL, q1_return_demeaned DOUBLE, q2_return_demeaned DOUBLE,
        q3_return_demeaned DOUBLE, q4_return_demeaned DOUBLE, q5_return_demeaned DOUBLE""",
    "frac_diff": """
        ticker VARCHAR NOT NULL, date DATE NOT NULL, d DOUBLE NOT NULL, width INTEGER NOT NULL,
        value DOUBLE NOT NULL""",
    "frac_diff_state": """
        ticker VARCHAR NOT NULL, d DOUBLE, width INTEGER NOT NULL, search_before DATE NOT NULL,
        last_date DATE NOT NULL, price_rows BIGINT NOT NULL, price_checksum UBIGINT NOT NULL,
        value_rows BIGINT NOT NULL""",
    "backtest_grid": """
        strategy_id VARCHAR NOT NULL, run_id INTEGER NOT NULL, hyperparameters JSON NOT NULL, start_date DATE NOT NULL,
        end_date DATE NOT NULL, total_return DOUBLE, cagr DOUBLE, annual_volatility DOUBLE, sharpe DOUBLE,
        sortino DOUBLE, max_drawdown DOUBLE, calmar DOUBLE, failed_rebalances INTEGER NOT NULL,
        passed BOOLEAN NOT NULL, reason VARCHAR NOT NULL, selected BOOLEAN NOT NULL, computed_at TIMESTAMP NOT NULL""",
    "oos_simulation": """
        strategy_id VARCHAR NOT NULL, status VARCHAR NOT NULL, passed BOOLEAN NOT NULL, reason VARCHAR NOT NULL,
        source_run_id INTEGER, hyperparameters JSON, in_sample_sharpe DOUBLE, start_date DATE, end_date DATE,
        failed_rebalances INTEGER, total_return DOUBLE, cagr DOUBLE, annual_volatility DOUBLE, sharpe DOUBLE,
        sortino DOUBLE, max_drawdown DOUBLE, calmar DOUBLE, hit_rate DOUBLE, avg_turnover DOUBLE, alpha DOUBLE,
        beta DOUBLE, information_ratio DOUBLE, computed_at TIMESTAMP NOT NULL""",
    "oos_returns": """
        strategy_id VARCHAR NOT NULL, date DATE NOT NULL, gross_return DOUBLE NOT NULL, commission DOUBLE NOT NULL,
        slippage DOUBLE NOT NULL, cost DOUBLE NOT NULL, net_return DOUBLE NOT NULL, turnover DOUBLE NOT NULL""",
    "backtest_returns": """
        strategy_id VARCHAR NOT NULL, date DATE NOT NULL, gross_return DOUBLE NOT NULL,
        cost DOUBLE NOT NULL, net_return DOUBLE NOT NULL, turnover DOUBLE NOT NULL,
        commission DOUBLE NOT NULL, slippage DOUBLE NOT NULL""",
    "backtest_events": """
        strategy_id VARCHAR NOT NULL, date DATE NOT NULL, ticker VARCHAR NOT NULL, event VARCHAR NOT NULL,
        weight DOUBLE NOT NULL, detail VARCHAR NOT NULL""",
    "backtest_metrics": """
        strategy_id VARCHAR NOT NULL, computed_at TIMESTAMP NOT NULL, start_date DATE NOT NULL,
        end_date DATE NOT NULL, frequency VARCHAR NOT NULL, total_return DOUBLE, cagr DOUBLE,
        annual_volatility DOUBLE, sharpe DOUBLE, sortino DOUBLE, max_drawdown DOUBLE, calmar DOUBLE,
        hit_rate DOUBLE, profitable_trades BIGINT, losing_trades BIGINT, avg_turnover DOUBLE,
        benchmark VARCHAR, alpha DOUBLE, beta DOUBLE, information_ratio DOUBLE, hyperparameters JSON,
        total_commission DOUBLE, total_slippage DOUBLE""",
}


def create_statements() -> list[str]:
    return [f"CREATE TABLE IF NOT EXISTS {name} ({cols})" for name, cols in TABLES.items()]


def panel_axes(table: str) -> tuple[str, str]:
    """The day and ticker columns of a table read as a (day x ticker) panel."""
    return PANEL_AXES.get(table, ("date", "ticker"))


@lru_cache(maxsize=64)
def columns(table: str) -> dict[str, str]:
    """Column name -> type (without NOT NULL) as the DDL declares them."""
    declared = [part.split() for part in TABLES[table].split(",")]
    return {words[0]: words[1] for words in declared}


def legacy_tables(existing: set[tuple[str, str]]) -> list[str]:
    """Tables an older release wrote in a layout this one cannot extend (their rows are derived: rebuilt)."""
    return [table for table, marker in LEGACY_LAYOUTS.items() if (table, marker) in existing]


def added_column_statements(existing: set[tuple[str, str]]) -> list[str]:
    """ALTER statements adding columns the DDL declares but an older warehouse file lacks (added as nullable)."""
    return [
        f"ALTER TABLE {table} ADD COLUMN {name} {kind}"
        for table in TABLES
        for name, kind in columns(table).items()
        if (table, name) not in existing
    ]

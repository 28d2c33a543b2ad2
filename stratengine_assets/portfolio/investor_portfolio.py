"""investor_portfolio: a strategy's latest target as whole shares for an amount, from run config."""

import pandas as pd
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset
from pydantic import Field

from resources import WarehouseResource
from resources.warehouse import replace_slice, transaction
from stratengine_assets.portfolio.generator import investor_plan
from stratengine_assets.portfolio.target_portfolio import target_portfolio
from stratengine_assets.strategies import strategy_book


class InvestorConfig(Config):
    strategy_id: str = "lo_minvar"
    amount: float = 100_000.0
    mode: str = "lump_sum"  # lump_sum | sip (one monthly instalment, buys only)
    current_holdings: dict[str, float] = Field(default_factory=dict)


@asset(pool="duckdb", group_name="portfolio", kinds={"duckdb"}, deps=[target_portfolio, "prices"])
def investor_portfolio(
    context: AssetExecutionContext, config: InvestorConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    """Whole-share quantities at the latest closes, leftover cash, the holding period and the trades."""
    strategy = strategy_book().strategies[config.strategy_id]
    current = pd.Series(config.current_holdings, dtype=float)
    with warehouse.get_connection() as conn:
        result = investor_plan(conn, strategy, config.amount, config.mode, current)
        table = result.holdings.assign(
            strategy_id=strategy.strategy_id,
            as_of=result.as_of,
            hold_until=result.hold_until,
            amount=config.amount,
            mode=config.mode,
            cash_left=result.cash_left,
        )
        with transaction(conn):
            replace_slice(conn, "investor_portfolio", table, "strategy_id = ?", [strategy.strategy_id])
    return MaterializeResult(
        metadata={
            "rows": len(table),
            "cash_left": float(result.cash_left),
            "invested": float(table["value"].sum()),
            "hold_until": str(result.hold_until.date()),
            "holdings": MetadataValue.md(result.holdings.to_markdown(index=False)),
        }
    )

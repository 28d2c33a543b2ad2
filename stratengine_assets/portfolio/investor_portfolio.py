"""investor_portfolio: a strategy's latest target as whole shares for an amount, stored per investor and
strategy (a second investor on the same strategy keeps the first one's allocation)."""

import re

import pandas as pd
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue
from pydantic import Field

from quant.investor_plan import InvestorPlan, plan
from quant.strategies import Strategy
from resources import PipelineSettings, WarehouseResource
from storage.warehouse import Warehouse, eq
from stratengine_assets.common.policies import warehouse_asset
from stratengine_assets.portfolio.target_portfolio import target_portfolio


def investor_plan(
    store: Warehouse, strategy: Strategy, amount: float, mode: str, current: pd.Series | None = None
) -> InvestorPlan:
    """The plan for a long-only strategy's latest target portfolio in the warehouse, at the latest closes."""
    if not strategy.long_only:
        raise ValueError(
            f"{strategy.strategy_id} holds short positions; the investor portfolio takes long-only strategies"
        )
    current = current if current is not None else pd.Series(dtype=float)
    latest = store.span("target_portfolio", "date", eq("strategy_id", strategy.strategy_id))[1]
    if latest is None:
        raise ValueError(f"no target portfolio for {strategy.strategy_id} yet; run `stratengine update` first")
    targets = store.read(
        "target_portfolio", eq("strategy_id", strategy.strategy_id), eq("date", latest), columns=["ticker", "weight"]
    )
    closes = store.latest_closes(sorted(set(targets["ticker"]) | set(current.index)), latest)
    return plan(targets, closes, amount, mode, current, pd.Timestamp(latest), strategy.rebalance)


INVESTOR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_INVESTOR = "house"


def check_investor_id(investor_id: str) -> str:
    """The id, or ValueError: 1-64 letters, digits, '_', '.', '-', starting with a letter or digit."""
    if not INVESTOR_ID.match(investor_id):
        raise ValueError(f"investor id {investor_id!r}: use 1-64 letters, digits, '_', '.' or '-'")
    return investor_id


def store_allocation(
    store: Warehouse, investor_id: str, strategy_id: str, result: InvestorPlan, amount: float, mode: str
) -> pd.DataFrame:
    """Replace this investor's allocation to the strategy (no one else's) with the plan; return the rows."""
    table = result.holdings.assign(
        strategy_id=strategy_id,
        as_of=result.as_of,
        hold_until=result.hold_until,
        amount=amount,
        mode=mode,
        cash_left=result.cash_left,
        investor_id=check_investor_id(investor_id),
        created_at=pd.Timestamp.now(tz="UTC").tz_localize(None),
    )
    store.replace("investor_portfolio", table, eq("strategy_id", strategy_id), eq("investor_id", investor_id))
    return table


class InvestorConfig(Config):
    investor_id: str = DEFAULT_INVESTOR
    strategy_id: str = "lo_minvar"
    amount: float = 100_000.0
    mode: str = "lump_sum"  # lump_sum | sip (one monthly instalment, buys only)
    current_holdings: dict[str, float] = Field(default_factory=dict)


@warehouse_asset(group_name="portfolio", kinds={"duckdb"}, deps=[target_portfolio, "prices"])
def investor_portfolio(
    context: AssetExecutionContext, config: InvestorConfig, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Whole-share quantities at the latest closes, leftover cash, the holding period and the trades."""
    strategy = settings.strategy_book().strategies[config.strategy_id]
    current = pd.Series(config.current_holdings, dtype=float)
    with warehouse.session() as store:
        result = investor_plan(store, strategy, config.amount, config.mode, current)
        table = store_allocation(store, config.investor_id, strategy.strategy_id, result, config.amount, config.mode)
    return MaterializeResult(
        metadata={
            "rows": len(table),
            "investor_id": config.investor_id,
            "cash_left": round(float(result.cash_left), 2),
            "invested": round(float(table["value"].sum()), 2),
            "hold_until": str(result.hold_until.date()),
            "holdings": MetadataValue.md(result.holdings.to_markdown(index=False)),
        }
    )

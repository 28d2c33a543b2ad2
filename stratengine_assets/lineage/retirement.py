"""Days that left the domain: their rows go from every trading-day table, and what read them is marked.

The domain is the span of days the readable price files cover. A file taken back whose days were the first or last
of that span (a bad daily delivery removed) leaves days no run will build again: without this, their rows stayed in
raw_prices, prices and everything built on them, where a build from scratch of the files left holds none. Retiring
a day deletes its rows and forgets it in the ledger and the marks, and marks, inside the domain, the partitions whose
windows read it (prices' move rule, forward returns, carried books, the tickers priced that day, the backtests), all
in one transaction.
"""

from __future__ import annotations

from quant.calendar import shift_trading_days, trading_days
from storage.warehouse import Warehouse, Where, eq, isin
from stratengine_assets.common.staleness import mark_all
from stratengine_assets.common.windows import EVALUATION_LAG
from stratengine_assets.lineage.propagation import Domain, by_day, downstream

# the rows a trading-day asset's partition t writes: by table, the day column holding t + offset sessions, and the
# filter naming the asset's rows in a shared table (factor evaluation's day t evaluates t - EVALUATION_LAG)
DAY_ROWS: dict[str, list[tuple[str, str, tuple[Where, ...], int]]] = {
    "raw_prices": [("raw_prices", "date", (), 0)],
    "prices": [("prices", "date", (), 0), ("quarantine", "date", (eq("dataset", "prices"),), 0)],
    "universe": [("universe", "date", (), 0)],
    "factors": [("factors", "date", (), 0)],
    "signals": [("signals", "signal_timestamp", (), 0), ("signal_model_fits", "fit_date", (), 0)],
    "factor_evaluation": [("factor_evaluation_daily", "date", (), -EVALUATION_LAG)],
    "target_portfolio": [("target_portfolio", "date", (), 0)],
    "portfolio_risk": [("portfolio_risk", "date", (), 0)],
}


def retire_uncovered_days(store: Warehouse, graph, scope: Domain) -> list[str]:
    """Retire every day a trading-day asset has built or has marked that the domain no longer holds; the days."""
    daily = [key.to_user_string() for key in graph.toposorted_asset_keys if by_day(graph.get(key).partitions_def)]
    unknown = sorted(set(daily) - set(DAY_ROWS))
    if unknown:
        raise RuntimeError(
            f"trading-day assets {unknown} do not say which tables their days write: add them to DAY_ROWS in "
            "stratengine_assets/lineage/retirement.py"
        )
    ledgers = [
        store.distinct(ledger, ["partition_key"], isin("asset", daily))["partition_key"]
        for ledger in ("built_partitions", "stale_partitions")
    ]
    gone = sorted(set().union(*ledgers) - set(scope.days))
    if not gone:
        return []
    with store.transaction():
        names = set(store.distinct("raw_prices", ["ticker"], isin("date", _shifted(gone, 0)))["ticker"])
        reached = downstream(graph, {"raw_prices": set(gone)}, _around(scope, gone), names)
        for asset in daily:
            for table, column, where, offset in DAY_ROWS[asset]:
                store.delete(table, isin(column, _shifted(gone, offset)), *where)
        for ledger in ("built_partitions", "stale_partitions", "changed_partitions"):
            store.delete(ledger, isin("asset", daily), isin("partition_key", gone))
        inside = set(scope.days)
        kept = {asset: keys & inside if asset in daily else keys for asset, keys in reached.items()}
        mark_all(store, kept, f"{len(gone)} days no longer covered by a price file ({gone[0]} .. {gone[-1]})")
    return gone


def _shifted(days: list[str], offset: int) -> list:
    """The dates `offset` sessions from each day."""
    return [shift_trading_days(day, offset).date() for day in days]


def _around(scope: Domain, gone: list[str]) -> Domain:
    """The domain stretched over the retired days, so the windows reading them can be found."""
    days = sorted({*scope.days, *gone})
    return Domain(list(trading_days(days[0], days[-1]).strftime("%Y-%m-%d")), scope.tickers)

"""What the API and the dashboard show, read from the warehouse: plain dicts and lists, JSON-ready."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from quant.factors import FACTORS
from quant.strategies import Strategy, StrategyBook
from storage.schema import factor_column
from storage.warehouse import Warehouse, between, eq, isin

HEADLINE = ["total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown", "calmar"]
BENCHMARK_METRICS = ["alpha", "beta", "information_ratio", "hit_rate", "avg_turnover"]
DATASETS = {  # table -> its date column: what "fresh" means for each dataset
    "raw_prices": "date",
    "prices": "date",
    "universe": "date",
    "factors": "date",
    "signals": "signal_timestamp",
    "target_portfolio": "date",
    "portfolio_risk": "date",
    "backtest_returns": "date",
    "factor_evaluation_daily": "date",
    "fundamentals": "known_at",
}


TABLE_ASSETS = {"backtest_returns": "backtest", "factor_evaluation_daily": "factor_evaluation"}  # the rest: same name


def plain(value: Any) -> Any:
    """A JSON-ready scalar: NaN and NaT as None, dates as ISO text, numpy numbers as Python ones."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return plain(value.item())
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{key: plain(value) for key, value in row.items()} for row in frame.to_dict("records")]


def strategy_card(strategy: Strategy) -> dict[str, Any]:
    """How a strategy is built, from its definition."""
    return {
        "strategy_id": strategy.strategy_id,
        "description": strategy.description,
        "construction": strategy.construction,
        "signal_model": strategy.signal_model,
        "long_only": strategy.long_only,
        "rebalance": strategy.rebalance,
        "factor_weights": strategy.factor_weights,
        "max_weight": strategy.max_weight,
    }


def strategies(store: Warehouse, book: StrategyBook) -> list[dict[str, Any]]:
    """Every configured strategy with its backtest headline and out-of-sample verdict."""
    metrics, oos = _results(store)
    return [
        strategy_card(s) | {"backtest": metrics.get(s.strategy_id), "out_of_sample": oos.get(s.strategy_id)}
        for s in book.strategies.values()
    ]


def _results(store: Warehouse) -> tuple[dict[str, dict], dict[str, dict]]:
    """Backtest metrics and out-of-sample results, each by strategy."""
    return _by_strategy(store.read("backtest_metrics")), _by_strategy(store.read("oos_simulation"))


def _by_strategy(frame: pd.DataFrame) -> dict[str, dict]:
    frame = frame.drop(columns=[c for c in ("hyperparameters",) if c in frame])
    return {row["strategy_id"]: row for row in records(frame)}


def comparison(store: Warehouse, book: StrategyBook) -> list[dict[str, Any]]:
    """One row per strategy: backtest figures side by side, and whether out of sample passed."""
    metrics, oos = _results(store)
    rows = []
    for sid in book.strategies:
        row = {"strategy_id": sid} | {k: (metrics.get(sid) or {}).get(k) for k in HEADLINE + BENCHMARK_METRICS}
        verdict = oos.get(sid) or {}
        rows.append(
            row
            | {
                "oos_status": verdict.get("status"),
                "oos_passed": verdict.get("passed"),
                "oos_sharpe": verdict.get("sharpe"),
            }
        )
    return rows


def portfolio(store: Warehouse, strategy: Strategy, day: dt.date | None = None) -> dict[str, Any]:
    """The target book on `day` (default the latest) with each holding's signal, factor exposures and, for a
    weighted composite, each factor's contribution to the signal: why the name is held."""
    sid = strategy.strategy_id
    day = day or store.span("target_portfolio", "date", eq("strategy_id", sid))[1]
    if day is None:
        return {"strategy_id": sid, "date": None, "holdings": []}
    book = store.read("target_portfolio", eq("strategy_id", sid), eq("date", day), columns=["ticker", "weight"])
    tickers = list(book["ticker"])
    exposures = _exposures(store, strategy, day, tickers)
    signal = store.read(
        "signals",
        eq("strategy_id", sid),
        eq("signal_timestamp", day),
        isin("symbol", tickers),
        columns=["symbol", "signal"],
    ).set_index("symbol")["signal"]
    sectors = store.read("securities", isin("ticker", tickers), columns=["ticker", "name", "sector"])
    sectors = sectors.drop_duplicates("ticker").set_index("ticker")
    holdings = [_holding(row, strategy, exposures, signal, sectors) for row in book.to_dict("records")]
    holdings.sort(key=lambda h: -abs(h["weight"]))
    return {"strategy_id": sid, "date": plain(day), "score": strategy.score_column, "holdings": holdings}


def _exposures(store: Warehouse, strategy: Strategy, day: Any, tickers: list[str]) -> pd.DataFrame:
    """The strategy's score of every factor (columns) for each ticker (index) on the day."""
    names = {factor_column(f.name, strategy.score_column): f.name for f in FACTORS}
    rows = store.read("factors", eq("date", day), isin("ticker", tickers), columns=["ticker", *names])
    return rows.set_index("ticker").rename(columns=names)


def _holding(row: dict, strategy: Strategy, exposures: pd.DataFrame, signal: pd.Series, sectors: pd.DataFrame):
    ticker = row["ticker"]
    z = exposures.loc[ticker].dropna() if ticker in exposures.index else pd.Series(dtype=float)
    weights = strategy.factor_weights
    scale = sum(abs(w) for w in weights.values()) or 1.0
    contributions = {f: plain(w * z.get(f, 0.0) / scale) for f, w in weights.items()} if weights else {}
    return {
        "ticker": ticker,
        "name": plain(sectors["name"].get(ticker)) if "name" in sectors else None,
        "sector": plain(sectors["sector"].get(ticker)) if "sector" in sectors else None,
        "weight": plain(row["weight"]),
        "signal": plain(signal.get(ticker)),
        "exposures": {f: plain(v) for f, v in z.items()},
        "contributions": contributions,
    }


def performance(store: Warehouse, strategy: Strategy, benchmark: str) -> dict[str, Any]:
    """The backtest's daily net returns as an equity curve (1 = start) against the benchmark's, with drawdowns."""
    sid = strategy.strategy_id
    daily = store.read("backtest_returns", eq("strategy_id", sid), columns=["date", "net_return"], order_by=["date"])
    if daily.empty:
        return {
            "strategy_id": sid,
            "benchmark": benchmark,
            "dates": [],
            "equity": [],
            "benchmark_equity": [],
            "drawdown": [],
            "metrics": None,
        }
    dates = pd.to_datetime(daily["date"])
    equity = np.cumprod(1.0 + daily["net_return"].to_numpy())
    closes = store.read(
        "prices",
        eq("ticker", benchmark),
        between("date", dates.iloc[0].date(), dates.iloc[-1].date()),
        columns=["date", "close"],
    )
    bench = closes.assign(date=pd.to_datetime(closes["date"])).set_index("date")["close"].reindex(dates).ffill()
    bench_equity = (bench / bench.dropna().iloc[0]).to_numpy() if bench.notna().any() else np.full(len(dates), np.nan)
    metrics = _by_strategy(store.read("backtest_metrics", eq("strategy_id", sid))).get(sid)
    return {
        "strategy_id": sid,
        "benchmark": benchmark,
        "dates": [d.date().isoformat() for d in dates],
        "equity": [plain(round(float(v), 6)) for v in equity],
        "benchmark_equity": [plain(round(float(v), 6)) if np.isfinite(v) else None for v in bench_equity],
        "drawdown": [plain(round(float(v), 6)) for v in equity / np.maximum.accumulate(equity) - 1.0],
        "metrics": metrics,
    }


def risk(store: Warehouse, strategy_id: str) -> dict[str, Any]:
    """Value at risk and expected shortfall of the latest book, by method, horizon and confidence."""
    latest = store.span("portfolio_risk", "date", eq("strategy_id", strategy_id))[1]
    if latest is None:
        return {"strategy_id": strategy_id, "date": None, "measures": []}
    rows = store.read(
        "portfolio_risk",
        eq("strategy_id", strategy_id),
        eq("date", latest),
        order_by=["method", "horizon_days", "confidence"],
    )
    measures = records(rows.drop(columns=["strategy_id", "date"]))
    return {"strategy_id": strategy_id, "date": plain(latest), "measures": measures}


def grid(store: Warehouse, strategy_id: str) -> dict[str, Any]:
    """The in-sample grid's runs and the out-of-sample result of the selected one."""
    runs = store.read("backtest_grid", eq("strategy_id", strategy_id), order_by=["run_id"])
    runs = runs.assign(hyperparameters=[json.loads(h) if isinstance(h, str) else h for h in runs["hyperparameters"]])
    oos = store.read("oos_simulation", eq("strategy_id", strategy_id))
    oos = oos.assign(hyperparameters=[json.loads(h) if isinstance(h, str) else h for h in oos["hyperparameters"]])
    return {"strategy_id": strategy_id, "runs": records(runs), "out_of_sample": (records(oos) or [None])[0]}


def evaluation(store: Warehouse, horizon: int) -> list[dict[str, Any]]:
    """Factor evaluation at a forward horizon: ICs, IC IR, quintile returns, turnover."""
    rows = store.read("factor_evaluation", eq("horizon", horizon), order_by=["factor"])
    return records(rows)


def quarantine_counts(store: Warehouse) -> list[dict[str, Any]]:
    rows = store.read("quarantine", columns=["dataset", "reason"])
    counts = rows.groupby(["dataset", "reason"]).size().rename("rows").reset_index()
    return records(counts.sort_values("rows", ascending=False, kind="stable"))


def quarantine_rows(
    store: Warehouse, dataset: str | None, reason: str | None, limit: int, offset: int
) -> dict[str, Any]:
    """The quarantined rows themselves (filtered, one page) and how many match."""
    where = [*([eq("dataset", dataset)] if dataset else []), *([eq("reason", reason)] if reason else [])]
    order = ["dataset", "date", "ticker", "source_file", "source_line"]
    rows = store.read("quarantine", *where, order_by=order, limit=offset + limit)
    return {"total": store.count("quarantine", *where), "offset": offset, "rows": records(rows.iloc[offset:])}


def freshness(store: Warehouse) -> list[dict[str, Any]]:
    """Each dataset's latest date and row count."""
    held = store.tables()
    out = []
    for table, column in DATASETS.items():
        if table in held:
            first, last = store.span(table, column)
            rows = store.count(table)
            asset = TABLE_ASSETS.get(table, table)
            out.append({"dataset": table, "asset": asset, "first": plain(first), "last": plain(last), "rows": rows})
    return out


def vendor_coverage(store: Warehouse) -> list[dict[str, Any]]:
    """Per vendor: raw price rows, names and days delivered, and the share of kept bars it supplied."""
    raw = store.read("raw_prices", columns=["vendor", "ticker", "date"])
    kept = store.count_by("prices", "vendor")
    total = sum(kept.values()) or 1
    out = []
    for vendor, rows in raw.groupby("vendor"):
        out.append(
            {
                "vendor": vendor,
                "raw_rows": len(rows),
                "names": int(rows["ticker"].nunique()),
                "days": int(rows["date"].nunique()),
                "share_of_prices": kept.get(vendor, 0) / total,
            }
        )
    return out


def universe(store: Warehouse, book: StrategyBook) -> dict[str, Any]:
    """The configured universe: its rules and its latest members."""
    latest = store.span("universe", "date")[1]
    members = store.count("universe", eq("date", latest)) if latest is not None else 0
    rules = book.universe
    return {
        "universe_id": "default",
        "rules": {
            "min_price": rules.min_price,
            "min_adv_usd": rules.min_adv_usd,
            "min_history_days": rules.min_history_days,
            "history_window": rules.history_window,
            "benchmark": rules.benchmark,
        },
        "date": plain(latest),
        "members": members,
    }


def allocations(store: Warehouse, investor_id: str) -> list[dict[str, Any]]:
    """An investor's stored allocations, one per strategy, with their holdings."""
    rows = store.read("investor_portfolio", eq("investor_id", investor_id), order_by=["strategy_id", "ticker"])
    out = []
    for sid, group in rows.groupby("strategy_id", sort=True):
        head = group.iloc[0]
        holdings = group[["ticker", "weight", "price", "shares", "value", "current_shares", "trade_shares"]]
        out.append(
            {
                "investor_id": investor_id,
                "strategy_id": sid,
                "as_of": plain(head["as_of"]),
                "hold_until": plain(head["hold_until"]),
                "amount": plain(head["amount"]),
                "mode": head["mode"],
                "cash_left": plain(head["cash_left"]),
                "invested": plain(float(group["value"].sum())),
                "created_at": plain(head["created_at"]),
                "holdings": records(holdings),
            }
        )
    return out

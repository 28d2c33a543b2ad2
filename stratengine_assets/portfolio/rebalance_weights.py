"""A strategy's rebalance weights on given days, from the warehouse's signals, prices and stored books."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from quant.calendar import shift_trading_days, trading_days
from quant.construction import BETA_FACTOR, MARKET_BETA, equal_weight, solve_rebalances
from quant.strategies import Strategy
from storage.warehouse import Warehouse
from stratengine_assets.common.processes import process_map

SOLVE_SECONDS = (0.012, 0.00005)  # one rebalance's solve: fixed, and per candidate (0.014 s at 40, 0.031 s at 400)
PROCESS_MIN_SECONDS = 8.0  # two workers take 2-3 s to start: below this much solving the chains run here


@dataclass(frozen=True)
class RebalanceInputs:
    """What a strategy's optimized rebalances on some days read: each day's candidates (date, ticker, signal,
    best_rank, worst_rank, beta, sector) and the closes (days x tickers) behind their covariance."""

    signals: pd.DataFrame
    close: np.ndarray
    days: pd.DatetimeIndex
    tickers: pd.Index


NO_INPUTS = RebalanceInputs(pd.DataFrame(), np.empty((0, 0)), pd.DatetimeIndex([]), pd.Index([]))
Wanted = tuple[Strategy, pd.DatetimeIndex]  # a strategy and its rebalance days


def rebalance_inputs_of(store: Warehouse, wanted: list[Wanted]) -> list[RebalanceInputs]:
    """Per (strategy, days): the candidates on those days and the closes of _covariance_span. The closes of all of
    them are read as one panel (one pass over the prices, not one per strategy: about 1 s each at 5,000 names) and
    cut to each one's days and names."""
    found = [store.rebalance_candidates(s.strategy_id, when, BETA_FACTOR, MARKET_BETA) for s, when in wanted]
    used = [k for k, signals in enumerate(found) if not signals.empty]
    if not used:
        return [NO_INPUTS] * len(wanted)
    spans = {k: _covariance_span(*wanted[k]) for k in used}
    days = trading_days(min(spans[k][0] for k in used), max(spans[k][1] for k in used))
    tickers = pd.Index(sorted(set().union(*(found[k]["ticker"].unique() for k in used))))
    close = store.read_panel("prices", "close", days, tickers)
    out = [NO_INPUTS] * len(wanted)
    for k in used:
        mine_days = trading_days(*spans[k])
        mine = pd.Index(sorted(found[k]["ticker"].unique()))
        first = days.get_loc(mine_days[0])
        panel = close[first : first + len(mine_days)][:, tickers.get_indexer(mine)]
        out[k] = RebalanceInputs(found[k].assign(date=pd.to_datetime(found[k]["date"])), panel, mine_days, mine)
    return out


def _covariance_span(strategy: Strategy, when: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp]:
    """From covariance_lookback + 1 sessions before the first rebalance to the last."""
    return shift_trading_days(when[0], -(strategy.covariance_lookback + 1)), when[-1]


def shared_inputs(store: Warehouse, wanted: list[Wanted]) -> list[RebalanceInputs]:
    """rebalance_inputs_of, read once for every request of the same strategy, days and look-back (the variants of a
    research grid differ in what they do with the same candidates and closes)."""
    keys = [(s.strategy_id, tuple(when), s.covariance_lookback) for s, when in wanted]
    distinct = dict(zip(keys, wanted, strict=True))
    read = dict(zip(distinct, rebalance_inputs_of(store, list(distinct.values())), strict=True))
    return [read[key] for key in keys]


@dataclass(frozen=True)
class RebalanceRequest:
    """One strategy's rebalances on the days `when`, starting from `held` (None: its stored book before when[0])."""

    strategy: Strategy
    when: pd.DatetimeIndex
    held: pd.Series | None = None


def rebalance_weights_of(
    store: Warehouse, requests: list[RebalanceRequest]
) -> list[tuple[pd.DataFrame, dict[str, str]]]:
    """Per request, rows (ticker, weight, rebalance_date) for its rebalance days and the days that failed and why;
    an optimized strategy starts from the request's `held`, or from its stored book before the first day. The
    warehouse is read here; the optimized requests' chains of solves (each rebalance starts from the book the one
    before left, so a chain is sequential) run side by side on STRATENGINE_COMPUTE_PROCESSES worker processes when
    their solving would take PROCESS_MIN_SECONDS here (the 40-name demo's would not: 4.3 s alone, 6.6 s with two
    workers). Every chain is solved by the same function either way, so the rows do not depend on it."""
    optimized = [k for k, r in enumerate(requests) if r.strategy.construction != "top_n_equal_weight"]
    inputs = shared_inputs(store, [(requests[k].strategy, requests[k].when) for k in optimized])
    chains = {k: chain for k, got in zip(optimized, inputs, strict=True) if (chain := _chain(store, requests[k], got))}
    processes = None if sum(map(solving_seconds, chains.values())) >= PROCESS_MIN_SECONDS else 1
    solved = dict(zip(chains, process_map(solve_rebalances, list(chains.values()), processes), strict=True))
    out = []
    for k, request in enumerate(requests):
        if request.strategy.construction == "top_n_equal_weight":
            ranked = store.top_by_factor(request.strategy.rank_factor, request.when, request.strategy.top_n)
            out.append((equal_weight(ranked), {}))
            continue
        books, failures = solved.get(k, ([], {}))
        out.append(((pd.concat(books, ignore_index=True) if books else pd.DataFrame()), failures))
    return out


def solving_seconds(chain: tuple) -> float:
    """About how long solve_rebalances takes on a chain's arguments here: per rebalance day, SOLVE_SECONDS for its
    candidates (at most the strategy's `candidates` of the day's signals)."""
    strategy, signals = chain[0], chain[1]
    per_day = signals.groupby("date").size().clip(upper=max(strategy.candidates, 1))
    return float((SOLVE_SECONDS[0] + SOLVE_SECONDS[1] * per_day).sum())


def _chain(store: Warehouse, request: RebalanceRequest, inputs: RebalanceInputs) -> tuple | None:
    """solve_rebalances' arguments for an optimized request with candidates (None without any)."""
    if inputs.signals.empty:
        return None
    held = request.held
    if held is None:
        held = store.last_rebalance_book(request.strategy.strategy_id, request.when[0])
    return (request.strategy, inputs.signals, inputs.close, inputs.days, inputs.tickers, held)

"""How far back (and ahead) each asset reads its inputs, in sessions: its look-back windows, declared once.

The assets read their inputs over these windows (READS, in trading days). The project's staleness
(stratengine_assets/lineage) follows them day by day; Dagster's lineage and asset backfills get them as month
partition mappings that cover them (`reads`). They come from the configured strategies, read when the code location
loads (STRATENGINE_STRATEGIES).
"""

from __future__ import annotations

from typing import Any

from dagster import AssetDep, TimeWindowPartitionMapping

from partitions.definitions import months_reaching
from quant.evaluation import HORIZONS
from quant.factors import max_lookback
from quant.model_signals import history_for
from resources.settings import pipeline_settings
from storage.warehouse import NEIGHBOUR_SESSIONS, price_reach

BOOK = pipeline_settings(resolved=True).strategy_book()
MODELS = BOOK.models()

PRICE_REACH = price_reach(NEIGHBOUR_SESSIONS)  # raw rows on either side that the move rule reads
UNIVERSE_HISTORY = int(BOOK.universe.history_window)  # sessions of price history behind the universe rule
FACTOR_WARMUP = 10  # sessions read beyond the longest factor look-back
FACTOR_HISTORY = max_lookback() + FACTOR_WARMUP
MODEL_HISTORY = history_for(MODELS) if MODELS else 0  # sessions of factors and prices behind a model's signal
COVARIANCE_HISTORY = max(s.covariance_lookback for s in BOOK.strategies.values()) + 1
RISK_HISTORY = 252  # sessions of returns behind each VaR figure
EVALUATION_LAG = max(HORIZONS)  # a day is evaluated once its longest forward return is known

# (reader, time-series input): the sessions [t + start, t + end] the reader's day t reads; (0, 0) when not listed
READS: dict[tuple[str, str], tuple[int, int]] = {
    ("prices", "raw_prices"): (-PRICE_REACH, PRICE_REACH),
    ("universe", "prices"): (1 - UNIVERSE_HISTORY, 0),
    ("factors", "prices"): (-FACTOR_HISTORY, 0),
    ("signals", "factors"): (-MODEL_HISTORY, 0),
    ("signals", "prices"): (-MODEL_HISTORY, 0),
    ("factor_evaluation", "factors"): (-EVALUATION_LAG - 1, -EVALUATION_LAG),
    ("factor_evaluation", "signals"): (-EVALUATION_LAG - 1, -EVALUATION_LAG),
    ("factor_evaluation", "prices"): (-EVALUATION_LAG - 1, 0),
    ("target_portfolio", "prices"): (-COVARIANCE_HISTORY, 0),
    ("target_portfolio", "target_portfolio"): (-1, -1),  # the book held the session before
    ("portfolio_risk", "target_portfolio"): (0, 1),  # whether the day is a strategy's latest
    ("portfolio_risk", "prices"): (-RISK_HISTORY, 0),
}


def day_window(reader: str, parent: str) -> tuple[int, int]:
    """The sessions [t + start, t + end] the reader's day t reads of a time-series parent."""
    return READS.get((reader, parent), (0, 0))


def reads(reader: str, parent: Any) -> AssetDep:
    """The dependency on a time-series parent over READS' window, as month partitions that cover it (a month
    reading its own asset reads the months before)."""
    name = parent if isinstance(parent, str) else parent.key.to_user_string()
    start, end = READS[reader, name]
    first = -months_reaching(start) if start < 0 else 0
    last = months_reaching(end) if end > 0 else 0
    if name == reader:
        first, last = min(first, -1), min(last, -1)
    return AssetDep(parent, partition_mapping=TimeWindowPartitionMapping(first, last, True))

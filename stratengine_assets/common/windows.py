"""How far back (and ahead) each asset reads its inputs, in sessions: its look-back windows, declared once.

The assets read their inputs over these windows and declare them as partition mappings, so Dagster's lineage and
asset backfills, and the project's staleness (stratengine_assets/lineage), all follow the real dependencies. They
come from the configured strategies, read when the code location loads (STRATENGINE_STRATEGIES).
"""

from __future__ import annotations

from quant.factors import max_lookback
from quant.model_signals import history_for
from resources.settings import pipeline_settings
from storage.warehouse import NEIGHBOUR_SESSIONS, price_reach

BOOK = pipeline_settings(resolved=True).strategy_book()
MODELS = [s for s in BOOK.strategies.values() if s.signal_model is not None]

PRICE_REACH = price_reach(NEIGHBOUR_SESSIONS)  # raw rows on either side that the move rule reads
UNIVERSE_HISTORY = int(BOOK.universe.history_window)  # sessions of price history behind the universe rule
FACTOR_WARMUP = 10  # sessions read beyond the longest factor look-back
FACTOR_HISTORY = max_lookback() + FACTOR_WARMUP
MODEL_HISTORY = history_for(MODELS) if MODELS else 0  # sessions of factors and prices behind a model's signal
COVARIANCE_HISTORY = max(s.covariance_lookback for s in BOOK.strategies.values()) + 1
RISK_HISTORY = 252  # sessions of returns behind each VaR figure

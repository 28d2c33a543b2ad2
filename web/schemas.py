"""The bodies the API accepts: typed, bounded, and refused with a reason (4xx) before anything is written."""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from quant.tickers import normalize_ticker

MAX_AMOUNT = 1e11
MAX_HOLDINGS = 5_000
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class SimulationRequest(BaseModel):
    """Simulate a strategy out of sample (on the days its grid did not see) as a Dagster run."""

    model_config = ConfigDict(extra="forbid")
    strategy_id: str = Field(pattern=ID_PATTERN)
    universe: str = Field("default", pattern=ID_PATTERN)
    investor_id: str = Field("house", pattern=ID_PATTERN)


class AllocationRequest(BaseModel):
    """An amount to place in a strategy: lump_sum (buys and sells toward the target) or sip (one instalment, buys
    only), from the investor's current holdings (ticker -> shares)."""

    model_config = ConfigDict(extra="forbid")
    strategy_id: str = Field(pattern=ID_PATTERN)
    universe: str = Field("default", pattern=ID_PATTERN)
    amount: float = Field(gt=0, le=MAX_AMOUNT, description="in the portfolio's currency, > 0")
    mode: Literal["lump_sum", "sip"] = "lump_sum"
    holdings: dict[str, float] = Field(default_factory=dict, max_length=MAX_HOLDINGS)


def check_holdings(holdings: dict[str, float]) -> pd.Series:
    """Shares by warehouse ticker; ValueError for a bad ticker, a repeated one, or a negative or non-finite count."""
    shares: dict[str, float] = {}
    for raw, count in holdings.items():
        ticker = normalize_ticker(raw)
        if ticker in shares:
            raise ValueError(f"holdings name {ticker} twice")
        if not math.isfinite(count) or count < 0:
            raise ValueError(f"holdings of {ticker}: shares must be a finite number >= 0, got {count}")
        shares[ticker] = float(count)
    return pd.Series(shares, dtype=float)

"""Reading a strategies file: parse it, then check its names against the factor library and its models."""

from __future__ import annotations

import tomllib
from functools import lru_cache

from quant.factors import FACTORS
from quant.model_signals import model_spec
from quant.strategies import Strategy, StrategyBook, parse_book


def check_names(strategy: Strategy) -> None:
    """Features, factor weights and the rank factor must name factors the library has; a model must build."""
    if strategy.signal_model is not None:
        model_spec(strategy)  # raises on an unknown model or bad window
    named = {*strategy.features, *strategy.factor_weights, strategy.rank_factor}
    unknown = sorted(named - set(FACTORS.names()))
    if unknown:
        raise ValueError(
            f"{strategy.strategy_id}: unknown factors {unknown}; the library has {sorted(FACTORS.names())}"
        )


@lru_cache(maxsize=4)
def load_strategies(path: str) -> StrategyBook:
    """The book in the TOML file at `path`, every strategy checked; cached per path."""
    with open(path, "rb") as handle:
        book = parse_book(tomllib.load(handle), path)
    for strategy in book.strategies.values():
        check_names(strategy)
    return book

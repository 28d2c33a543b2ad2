"""The point-in-time guard passes on honest signals and fails on a deliberate look-ahead."""

import pandas as pd
from dagster import DagsterInstance, materialize

import stratengine_assets.research.factors as factors_module
from partitions.definitions import add_tickers
from stratengine_assets.common.ticker_range import ticker_range_tags
from stratengine_assets.ingestion.fundamentals import fundamentals
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.raw_prices import raw_prices
from stratengine_assets.ingestion.securities import securities
from stratengine_assets.research.factors import factors
from stratengine_assets.research.point_in_time import signals_point_in_time
from stratengine_assets.research.signals import signals
from stratengine_assets.research.universe import universe
from tests.helpers import ALL_ASSETS, check_context, range_context, register
from vendors.synthetic import SyntheticMarket


def _build(project) -> tuple[str, str]:
    market = SyntheticMarket(25, 330, seed=11)
    from pathlib import Path

    landing = Path(project["landing_zone"].root)
    market.write_history(landing)
    market.write_securities(landing)
    market.write_fundamentals(landing)
    first, last = str(market.history_days[0].date()), str(market.history_days[-1].date())
    instance = DagsterInstance.ephemeral()
    tickers = add_tickers(instance, list(market.names.tickers))
    tags = ticker_range_tags(tickers[0], tickers[-1])
    register(project, instance)
    assert materialize(ALL_ASSETS, selection=[securities], instance=instance, resources=project).success
    assert materialize(ALL_ASSETS, selection=[fundamentals], instance=instance, resources=project, tags=tags).success
    both = {"warehouse": project["warehouse"], "landing_zone": project["landing_zone"]}
    raw_prices(range_context(first, last, **both))
    for asset in (prices, universe, factors, signals):
        asset(range_context(first, last, warehouse=project["warehouse"]))
    return first, last


def _check(project):
    return signals_point_in_time(check_context(warehouse=project["warehouse"]))


def test_honest_signals_pass_and_a_look_ahead_fails(project, monkeypatch):
    first, last = _build(project)
    honest = _check(project)
    assert honest.passed, honest.metadata
    assert honest.metadata["signals_compared"].value > 0
    checked = pd.Timestamp(honest.metadata["checked_day"].value)
    assert pd.Timestamp(first) < checked < pd.Timestamp(last)

    original = factors_module.as_of

    def peeking(facts, *args):
        return original(facts.assign(known_at=facts["period_end"]), *args)  # uses a 10-K before it is filed

    monkeypatch.setattr(factors_module, "as_of", peeking)
    for asset in (factors, signals):
        asset(range_context(first, last, warehouse=project["warehouse"]))
    monkeypatch.setattr(factors_module, "as_of", original)
    caught = _check(project)
    assert not caught.passed
    assert caught.metadata["signals_differing"].value > 0

"""frac_diff extends a ticker's stored series by its new days when nothing before them changed, and recomputes it
whole otherwise: either way the tables equal a from-scratch run on the same prices."""

import pandas as pd
import pytest
from dagster import DagsterInstance, materialize

from partitions.definitions import add_tickers
from quant.calendar import trading_days
from resources.settings import pipeline_settings
from resources.warehouse import DuckDBWarehouseResource
from stratengine_assets.common.ticker_range import ticker_range_tags
from stratengine_assets.research.frac_diff import frac_diff
from tests.helpers import price_bars, random_walk

TICKERS = ["AAA", "BBB"]
RANGE = ticker_range_tags("AAA", "BBB")
CLOSES = {"AAA": random_walk("2014-01-02", "2017-12-29", seed=21), "BBB": random_walk("2014-06-02", "2017-12-29", 22)}


def price_rows(first: str, last: str, restated: dict[str, float] | None = None) -> pd.DataFrame:
    """AAA and BBB's bars over [first, last]; `restated`: a close by 'TICKER YYYY-MM-DD' replaced."""
    frames = []
    for ticker, closes in CLOSES.items():
        c = closes[first:last].copy()
        for key, value in (restated or {}).items():
            name, day = key.split()
            if name == ticker:
                c[pd.Timestamp(day)] = value
        frames.append(price_bars(ticker, c, spread=0.0))
    return pd.concat(frames, ignore_index=True)


def run(resources: dict, instance: DagsterInstance) -> dict:
    result = materialize([frac_diff], instance=instance, resources=resources, tags=RANGE)
    assert result.success and all(check.passed for check in result.get_asset_check_evaluations())
    return {key: value.value for key, value in result.asset_materializations_for_node("frac_diff")[0].metadata.items()}


def tables(warehouse) -> dict[str, pd.DataFrame]:
    with warehouse.get_connection() as conn:
        return {
            "frac_diff": conn.execute("SELECT * FROM frac_diff ORDER BY ticker, date").df(),
            "frac_diff_state": conn.execute("SELECT * FROM frac_diff_state ORDER BY ticker").df(),
        }


def scratch(tmp_path, rows: pd.DataFrame, settings) -> dict[str, pd.DataFrame]:
    """frac_diff computed on a fresh warehouse holding `rows`."""
    warehouse = DuckDBWarehouseResource(database=str(tmp_path / "scratch.duckdb"))
    with warehouse.session() as store:
        store.append("prices", rows)
    instance = DagsterInstance.ephemeral()
    add_tickers(instance, TICKERS)
    run({"warehouse": warehouse, "settings": settings}, instance)
    return tables(warehouse)


@pytest.fixture
def built(project, monkeypatch):
    """frac_diff with the searched d over prices to 2017-12-14."""
    monkeypatch.setenv("STRATENGINE_FRACDIFF_D", "auto")
    resources = {**project, "settings": pipeline_settings()}
    with project["warehouse"].session() as store:
        store.append("prices", price_rows("2014-01-02", "2017-12-14"))
    instance = DagsterInstance.ephemeral()
    add_tickers(instance, TICKERS)
    first = run(resources, instance)
    assert first["tickers_recomputed"] == 2 and first["tickers_extended"] == 0
    return resources, instance


def append(warehouse, rows: pd.DataFrame) -> None:
    with warehouse.session() as store:
        store.append("prices", rows)


def test_a_new_day_in_the_month_extends_every_series_and_equals_a_run_from_scratch(built, tmp_path):
    resources, instance = built
    append(resources["warehouse"], price_rows("2017-12-15", "2017-12-15"))
    metadata = run(resources, instance)
    assert metadata["tickers_extended"] == 2 and metadata["tickers_recomputed"] == 0
    assert metadata["rows"] == 2  # one new value per ticker, nothing rewritten
    assert metadata["sessions_read"] < len(trading_days("2014-01-02", "2017-12-15")) / 2  # the windows' reach only
    expected = scratch(tmp_path, price_rows("2014-01-02", "2017-12-15"), resources["settings"])
    for name, table in tables(resources["warehouse"]).items():
        pd.testing.assert_frame_equal(table, expected[name], check_exact=False, rtol=0, atol=1e-12)


def test_a_restated_close_recomputes_its_ticker_and_the_other_is_extended(built, tmp_path):
    resources, instance = built
    with resources["warehouse"].session() as store:
        store.conn.execute("UPDATE prices SET close = close * 1.05 WHERE ticker = 'AAA' AND date = '2016-03-01'")
    append(resources["warehouse"], price_rows("2017-12-15", "2017-12-15"))
    metadata = run(resources, instance)
    assert metadata["tickers_extended"] == 1 and metadata["tickers_recomputed"] == 1
    restated = {"AAA 2016-03-01": float(CLOSES["AAA"][pd.Timestamp("2016-03-01")] * 1.05)}
    expected = scratch(tmp_path, price_rows("2014-01-02", "2017-12-15", restated), resources["settings"])
    for name, table in tables(resources["warehouse"]).items():
        pd.testing.assert_frame_equal(table, expected[name], check_exact=False, rtol=0, atol=1e-12)


def test_a_new_month_searches_d_again_for_every_ticker(built, tmp_path):
    resources, instance = built
    append(resources["warehouse"], price_rows("2017-12-15", "2017-12-29"))
    january = price_rows("2017-12-15", "2017-12-29").assign(date=pd.Timestamp("2018-01-02"))
    append(resources["warehouse"], january.drop_duplicates("ticker", keep="last"))
    metadata = run(resources, instance)
    assert metadata["tickers_recomputed"] == 2 and metadata["tickers_extended"] == 0
    state = tables(resources["warehouse"])["frac_diff_state"]
    assert (state["search_before"] == pd.Timestamp("2018-01-01")).all()


def test_rows_written_into_a_series_by_anyone_else_make_it_recomputed(built):
    resources, instance = built
    stray = pd.DataFrame({"ticker": ["AAA"], "date": [pd.Timestamp("2001-01-02")], "d": 0.4, "width": 1, "value": 0.0})
    with resources["warehouse"].session() as store:
        store.append("frac_diff", stray)
    metadata = run(resources, instance)
    assert metadata["tickers_recomputed"] == 1 and metadata["tickers_extended"] == 1
    assert tables(resources["warehouse"])["frac_diff"]["date"].min() > pd.Timestamp("2001-01-02")


@pytest.mark.parametrize("halted", [False, True])
def test_a_day_after_a_halt_or_beside_a_delisted_name_extends_and_equals_a_run_from_scratch(
    project, monkeypatch, tmp_path, halted
):
    """The update reads only the sessions the windows reach back to: a name delisted long before them keeps its series
    and state; a name halted for 60 sessions has too few prices there for its window, so the whole history is read.
    Either way the tables equal a from-scratch run."""
    monkeypatch.setenv("STRATENGINE_FRACDIFF_D", "auto")
    closes = {**CLOSES, "CCC": random_walk("2014-01-02", "2016-06-30", seed=23)}
    if halted:
        closes["BBB"] = closes["BBB"].drop(trading_days("2017-09-15", "2017-12-14")[:60])

    def bars(first: str, last: str) -> pd.DataFrame:
        return pd.concat([price_bars(t, c[first:last], spread=0.0) for t, c in closes.items()], ignore_index=True)

    instance = DagsterInstance.ephemeral()
    add_tickers(instance, [*TICKERS, "CCC"])

    def run_all(resources: dict) -> dict:
        result = materialize([frac_diff], instance=instance, resources=resources, tags=ticker_range_tags("AAA", "CCC"))
        assert result.success and all(check.passed for check in result.get_asset_check_evaluations())
        return {k: v.value for k, v in result.asset_materializations_for_node("frac_diff")[0].metadata.items()}

    resources = {**project, "settings": pipeline_settings()}
    append(resources["warehouse"], bars("2014-01-02", "2017-12-14"))
    assert run_all(resources)["tickers_recomputed"] == 3
    append(resources["warehouse"], bars("2017-12-15", "2017-12-15"))
    metadata = run_all(resources)
    assert metadata["tickers_extended"] == 3 and metadata["rows"] == 2
    whole = len(trading_days("2014-01-02", "2017-12-15"))
    assert (metadata["sessions_read"] == whole) if halted else (metadata["sessions_read"] < whole / 2)
    fresh = DuckDBWarehouseResource(database=str(tmp_path / "scratch.duckdb"))
    append(fresh, bars("2014-01-02", "2017-12-15"))
    run_all({"warehouse": fresh, "settings": resources["settings"]})
    expected = tables(fresh)
    for name, table in tables(resources["warehouse"]).items():
        assert set(table["ticker"]) == {"AAA", "BBB", "CCC"}
        pd.testing.assert_frame_equal(table, expected[name], check_exact=False, rtol=0, atol=1e-12)

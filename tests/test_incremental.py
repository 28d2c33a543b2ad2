"""The incremental path gives what a from-scratch build gives: one test per finding of issue 9, each on a real
project (landing zone, DuckDB warehouse, Dagster instance) updated as `stratengine update` does."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dagster import materialize

from cli.reports import update_report
from partitions import month_keys
from quant.calendar import shift_trading_days
from stratengine_assets.common.partition_range import TRIGGER_TAG
from stratengine_assets.common.windows import PRICE_REACH
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.lineage.plan import INGESTION, ON_REQUEST
from stratengine_assets.research.factor_evaluation import factor_evaluation
from stratengine_assets.research.factors import factors
from stratengine_assets.research.signals import signals
from stratengine_assets.research.universe import universe
from tests.helpers import ALL_ASSETS, STOOQ_HEADER, check_context, long_factors, range_context
from tests.sandbox import LONG_SHORT_BOOK, STRATEGIES, Sandbox, differences

RESTATED = 180  # the session index of the restated close, 80 sessions before the end of the history
TICKER = "S00003"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Sandbox:
    """A 12-name, 260-session synthetic market, built from scratch."""
    sandbox = Sandbox(tmp_path_factory.mktemp("base"))
    sandbox.synth()
    outcome = sandbox.update()
    assert not outcome.failed and not outcome.skipped
    return sandbox


@pytest.fixture(scope="module")
def restated(base, tmp_path_factory) -> Sandbox:
    """The base project (built) with one close of its history re-delivered 5% higher, not yet updated."""
    sandbox = base.clone(tmp_path_factory.mktemp("restated") / "project")
    sandbox.restate(sandbox.market.history_days[RESTATED], [TICKER], 1.05)
    return sandbox


@pytest.fixture(scope="module")
def restated_scratch(restated, tmp_path_factory) -> Sandbox:
    """A from-scratch build of the restated project's files."""
    sandbox = restated.files_copy(tmp_path_factory.mktemp("scratch") / "project")
    assert not sandbox.update().failed
    return sandbox


def _days(sandbox: Sandbox, step) -> list[pd.Timestamp]:
    return [pd.Timestamp(key) for key in step.keys]


def _steps(outcome) -> dict:
    return {step.name: step for plan in outcome.plans for step in plan.steps}


def test_f1_a_restated_close_recomputes_every_partition_that_reads_it(restated, restated_scratch, tmp_path):
    sandbox = restated.clone(tmp_path / "project")
    day, days = sandbox.market.history_days[RESTATED], sandbox.market.history_days
    steps = _steps(sandbox.update())
    assert steps["raw_prices"].keys == (str(day.date()),)
    reach = days[RESTATED - PRICE_REACH : RESTATED + PRICE_REACH + 1]
    assert set(_days(sandbox, steps["prices"])) <= set(reach)
    # prices re-judged raw rows PRICE_REACH sessions either side (the move rule) but changed on day d only, and
    # only what reads day d is recomputed: windowed readers from d, the path-dependent portfolio from d to the end
    for windowed in ("universe", "factors", "signals"):
        assert min(_days(sandbox, steps[windowed])) == day, windowed
    assert _days(sandbox, steps["target_portfolio"]) == list(days[RESTATED:])
    assert "backtest" in steps and "portfolio_risk" in steps
    trigger = sandbox.latest_run_tags("target_portfolio")[TRIGGER_TAG]  # the Runs page says why it ran
    assert trigger.startswith("prices changed: prices/canonical/history_2010.parquet changed"), trigger
    left = sandbox.query("SELECT DISTINCT asset FROM stale_partitions")["asset"]
    assert set(left) <= set(ON_REQUEST)  # research and the investor book wait to be asked for
    assert differences(sandbox, restated_scratch) == {}


def test_f2_a_kill_during_portfolio_risk_is_recovered_by_the_next_update(restated, restated_scratch, tmp_path):
    sandbox = restated.clone(tmp_path / "project")
    assert sandbox.update_killed_at("portfolio_risk", when=lambda: bool(sandbox.live_runs()))
    killed = sandbox.live_runs()
    assert killed, "the killed process left its run STARTED"
    outcome = sandbox.update()
    assert set(killed) <= set(outcome.orphans) and not outcome.failed
    assert sandbox.live_runs() == []
    assert {"portfolio_risk", "backtest"} <= set(_steps(outcome))  # frac_diff runs before or after: either order
    assert differences(sandbox, restated_scratch) == {}
    assert sandbox.update().plans[-1].steps == []  # nothing left stale


def _stooq_bars(closes: list[float], days: pd.DatetimeIndex) -> str:
    lines = [STOOQ_HEADER]
    for day, close in zip(days, closes, strict=True):
        lines.append(f"{day:%Y-%m-%d},{close:.4f},{close * 1.01:.4f},{close * 0.99:.4f},{close:.4f},1000000,0")
    return "\n".join(lines) + "\n"


def _moves_market() -> tuple[pd.DatetimeIndex, dict[str, list[float]], dict[str, float]]:
    """36 sessions of four names: JMP jumps +64% on session 30 and stays; SPK spikes +80% on 31 and reverts; CNF
    and UNC jump +70% on the last session, CNF confirmed by a second vendor's file, UNC not."""
    from quant.calendar import trading_days

    days = trading_days("2017-08-01", "2017-12-29")[:36]
    flat = [97.51 * (1 + 0.002 * ((i % 5) - 2)) for i in range(36)]
    jump = [c if i < 30 else c * 1.64 for i, c in enumerate(flat)]
    spike = [c * 1.8 if i == 31 else c for i, c in enumerate(flat)]
    last = [c * 1.7 if i == 35 else c for i, c in enumerate(flat)]
    other = [c * 1.01 for c in last]
    return days, {"jmp": jump, "spk": spike, "cnf": last, "unc": other}, {"CNF": last[35]}


def _land_moves(sandbox: Sandbox, sessions: int) -> None:
    days, closes, confirmed = _moves_market()
    for name, series in closes.items():
        sandbox.write(f"prices/stooq/{name}.us.txt", _stooq_bars(series[:sessions], days[:sessions]))
    if sessions == len(days):
        day = days[-1].date()
        rows = [f"{day},{t},{c},{c * 1.01},{c * 0.99},{c},{c},1000000" for t, c in confirmed.items()]
        sandbox.write(
            f"prices/canonical/prices_{day}.csv",
            "date,ticker,open,high,low,close,adj_close,volume\n" + "\n".join(rows) + "\n",
        )


def test_f3_price_validation_is_the_same_landed_daily_or_at_once(tmp_path):
    at_once, daily = Sandbox(tmp_path / "at_once"), Sandbox(tmp_path / "daily")
    _land_moves(at_once, 36)
    at_once.ingest()
    for sessions in range(29, 37):
        _land_moves(daily, sessions)
        daily.ingest()
    tables = ["raw_prices", "landed_prices", "prices", "quarantine", "landing_manifest"]
    assert differences(at_once, daily, tables) == {}
    held = at_once.query("SELECT ticker, CAST(date AS VARCHAR) AS day, reason FROM quarantine ORDER BY 1")
    days = _moves_market()[0]
    assert held.to_dict("records") == [
        {"ticker": "SPK", "day": str(days[31].date()), "reason": "extreme_move"},
        {"ticker": "UNC", "day": str(days[35].date()), "reason": "extreme_move_unconfirmed"},
    ]
    kept = at_once.query("SELECT ticker, count(*) AS n FROM prices WHERE ticker IN ('JMP', 'CNF') GROUP BY 1")
    assert dict(zip(kept["ticker"], kept["n"], strict=True)) == {"JMP": 36, "CNF": 36}


def _daily_file(sandbox: Sandbox, extra: list[str] | None = None, only: int | None = None) -> Path:
    path = sandbox.market.write_extra_day(sandbox.landing)
    lines = path.read_text().splitlines()
    lines = lines[: 1 + only] if only is not None else lines
    path.write_text("\n".join([*lines, *(extra or [])]) + "\n")
    return path


def test_f4_a_quarantined_far_future_row_does_not_stretch_the_calendar(base, tmp_path):
    sandbox = base.clone(tmp_path / "project")
    day = sandbox.market.extra_day
    path = _daily_file(sandbox, extra=["2099-01-05,S00001,10,11,9,10,10,1000"])
    assert not sandbox.update().failed
    key = path.relative_to(sandbox.landing).as_posix()
    manifest = sandbox.query("SELECT first_date, last_date FROM landing_manifest WHERE key = ?", [key])
    assert pd.Timestamp(manifest["last_date"][0]) == day
    quarantined = sandbox.query("SELECT reason FROM quarantine WHERE source_file = ?", [key])["reason"].tolist()
    assert quarantined == ["future_date"]
    for table in ("prices", "universe", "target_portfolio", "backtest_returns"):
        assert pd.Timestamp(sandbox.query(f"SELECT max(date) AS d FROM {table}")["d"][0]) == day, table


def test_f5_a_day_few_names_priced_is_held_until_the_rest_arrives(base, tmp_path):
    sandbox = base.clone(tmp_path / "project")
    day = str(sandbox.market.extra_day.date())
    _daily_file(sandbox, only=1)
    outcome = sandbox.update()
    assert day in outcome.held and not outcome.failed
    assert any(line.startswith(f"  held back {day}") for line in update_report_lines(sandbox, outcome))
    for table in ("universe", "factors", "target_portfolio", "backtest_returns"):
        assert sandbox.query(f"SELECT count(*) AS n FROM {table} WHERE date >= ?", [day])["n"][0] == 0, table
    _daily_file(sandbox)
    outcome = sandbox.update()
    assert outcome.held == {} and not outcome.failed
    listed = sandbox.query("SELECT date, count(*) AS n FROM universe GROUP BY 1 ORDER BY 1 DESC LIMIT 2")["n"]
    assert listed.tolist() == [listed[1], listed[1]]  # the whole universe, as the session before
    assert sandbox.query("SELECT count(*) AS n FROM target_portfolio WHERE date = ?", [day])["n"][0] > 0


def update_report_lines(sandbox: Sandbox, outcome) -> list[str]:
    from resources.warehouse import DuckDBWarehouseResource

    with DuckDBWarehouseResource(database=sandbox.database).session() as store:
        return update_report(store, outcome)


def test_f6_no_security_master_fails_loudly_then_builds_when_it_arrives(base, tmp_path):
    sandbox = Sandbox(tmp_path / "project")
    sandbox.synth()
    master = next((sandbox.landing / "securities").rglob("*.csv"))
    text = master.read_text()
    master.unlink()
    outcome = sandbox.update()
    assert "security master" in outcome.failed["universe"]
    assert {"factors", "signals", "target_portfolio", "backtest"} <= set(outcome.skipped)
    assert sandbox.query("SELECT count(*) AS n FROM prices")["n"][0] > 0  # the price days are built
    master.write_text(text)
    outcome = sandbox.update()
    assert not outcome.failed and not outcome.skipped
    assert differences(sandbox, base) == {}


def _statuses(sandbox: Sandbox) -> dict[str, str]:
    rows = sandbox.query("SELECT key, status FROM landing_manifest WHERE key LIKE '%2010.parquet'")
    return {key.rsplit("/", 1)[1]: status for key, status in zip(rows["key"], rows["status"], strict=True)}


def _sources(sandbox: Sandbox, table: str) -> set[str]:
    files = sandbox.query(f"SELECT DISTINCT source_file FROM {table}")["source_file"]
    return {key.rsplit("/", 1)[1] for key in files}


def test_f7_the_sensor_requests_one_range_and_never_content_it_has(base, tmp_path):
    fresh = Sandbox(tmp_path / "fresh")
    fresh.synth()
    planned = fresh.tick()
    assert set(planned) <= set(INGESTION) and planned
    assert planned["raw_prices"] == month_keys(fresh.market.history_days)  # Dagster's partitions are months

    sandbox = base.clone(tmp_path / "project")
    history = sandbox.prices_file(2010)
    copy = shutil.copyfile(history, history.with_name("copy_of_2010.parquet"))  # sorts first: read from now on
    assert sandbox.tick() == {}
    assert _statuses(sandbox) == {"copy_of_2010.parquet": "registered", "history_2010.parquet": "duplicate"}
    assert (
        _sources(sandbox, "raw_prices")
        == _sources(sandbox, "prices")
        == {"copy_of_2010.parquet", "history_2011.parquet"}
    )
    copy.unlink()
    assert sandbox.tick() == {}
    assert _statuses(sandbox) == {"history_2010.parquet": "registered"}
    assert _sources(sandbox, "prices") == {"history_2010.parquet", "history_2011.parquet"}
    os.utime(history, (history.stat().st_atime + 1000, history.stat().st_mtime + 1000))
    assert sandbox.tick() == {}

    days = sandbox.market.history_days
    for index, ticker in ((40, "S00001"), (120, "S00005"), (200, "S00009")):
        sandbox.restate(days[index], [ticker], 0.98)
    planned = sandbox.tick()
    assert planned["raw_prices"] == month_keys([days[i] for i in (40, 120, 200)])
    reach = {month for i in (40, 120, 200) for month in month_keys(days[i - PRICE_REACH : i + PRICE_REACH + 1])}
    assert set(planned["prices"]) <= reach


def test_f8_a_bad_fundamentals_row_is_quarantined_and_the_price_days_run(base, tmp_path):
    sandbox = base.clone(tmp_path / "project")
    path = next((sandbox.landing / "fundamentals").rglob("*.csv"))
    lines = path.read_text().splitlines()
    fields = lines[1].split(",")
    path.write_text("\n".join([*lines, ",".join([fields[0], "12/31/1215", "1215", *fields[3:]])]) + "\n")
    _daily_file(sandbox)
    outcome = sandbox.update()
    assert not outcome.failed
    key = path.relative_to(sandbox.landing).as_posix()
    held = sandbox.query("SELECT reason, source_line FROM quarantine WHERE dataset = 'fundamentals'")
    assert held.to_dict("records") == [{"reason": "implausible_period_end", "source_line": len(lines) + 1}]
    assert f"    fundamentals implausible_period_end: {key} line {len(lines) + 1}" in update_report_lines(
        sandbox, outcome
    )
    day = str(sandbox.market.extra_day.date())
    assert sandbox.query("SELECT count(*) AS n FROM target_portfolio WHERE date = ?", [day])["n"][0] > 0


def test_f9_non_finite_and_absurd_prices_bad_names_and_symlinks_are_refused(tmp_path):
    sandbox = Sandbox(tmp_path / "project")
    days = pd.DatetimeIndex(["2017-10-02", "2017-10-03", "2017-10-04"])
    good = _stooq_bars([10.0, 10.1, 10.2], days)
    first_inf = good.replace("2017-10-02,10.0000,10.1000,9.9000,10.0000", "2017-10-02,10,10.1,9.9,inf")
    sandbox.write("prices/stooq/inf.us.txt", first_inf)
    sandbox.write(
        "prices/stooq/big.us.txt",
        good.replace("2017-10-02,10.0000,10.1000,9.9000,10.0000", "2017-10-02,1e308,1e308,1e308,1e308"),
    )
    sandbox.write("prices/stooq/wrb_c.us.txt", good)
    sandbox.write("prices/stooq/brk b.us.txt", good)
    sandbox.write("prices/Stooq Feed/abc.us.txt", good)
    os.symlink("/etc/passwd", sandbox.landing / "prices" / "stooq" / "passwd.us.txt")
    sandbox.ingest()
    held = sandbox.query("SELECT ticker, reason FROM quarantine WHERE dataset = 'prices' ORDER BY 1")
    assert held.to_dict("records") == [
        {"ticker": "BIG", "reason": "absurd_price"},
        {"ticker": "INF", "reason": "non_finite_price"},
    ]
    tickers = sandbox.query("SELECT DISTINCT ticker FROM prices ORDER BY 1")["ticker"].tolist()
    assert tickers == ["BIG", "INF", "WRB.PC"]
    failed = sandbox.query("SELECT key, error FROM landing_manifest WHERE status = 'failed' ORDER BY key")
    assert failed["key"].tolist() == [
        "prices/Stooq Feed/abc.us.txt",
        "prices/stooq/brk b.us.txt",
        "prices/stooq/passwd.us.txt",
    ]
    assert "symlink" in failed["error"][2]
    assert sandbox.query("SELECT count(*) AS n FROM raw_prices WHERE source_file LIKE '%passwd%'")["n"][0] == 0


def test_f3_real_moves_that_persist_are_kept_and_spikes_are_not(real_data, tmp_path):
    sandbox = Sandbox(tmp_path / "project")
    sandbox.variables["STRATENGINE_MAX_DAILY_MOVE"] = "0.3"
    for name in ("tgna", "fslr", "slg", "avb"):
        lines = (real_data / "prices_stooq" / f"{name}.us.txt").read_text().splitlines()
        excerpt = [line for line in lines[1:] if "2012-12-01" <= line[:10] <= "2014-03-31"]
        sandbox.write(f"prices/stooq/{name}.us.txt", "\n".join([lines[0], *excerpt]) + "\n")
    sandbox.ingest()
    moves = [("TGNA", "2013-06-13"), ("FSLR", "2013-04-09")]  # +34% and +46%, and the next rows stay there
    kept = sandbox.query("SELECT ticker, CAST(date AS VARCHAR) AS day FROM prices")
    assert set(moves) <= set(zip(kept["ticker"], kept["day"], strict=True))
    held = sandbox.query("SELECT ticker, CAST(date AS VARCHAR) AS day, reason FROM quarantine ORDER BY 1, 2")
    spikes = {("AVB", "2012-12-21"), ("SLG", "2014-03-04")}  # a close /10 or /100 for a day, then back
    assert spikes <= set(zip(held["ticker"], held["day"], strict=True))
    assert not spikes & set(zip(kept["ticker"], kept["day"], strict=True))
    assert not held["reason"].str.startswith("extreme").any()  # the bad closes also fall outside [low, high]


def test_a_new_trading_day_rebuilds_only_that_day_of_the_research_chain(base, tmp_path):
    """The price basis of every name is recomputed with the day's prices, but F only changed on the new day, so
    universe and factors (its readers) and what follows them are built for that day alone, not the history."""
    sandbox = base.clone(tmp_path / "project")
    _daily_file(sandbox)
    outcome = sandbox.update()
    assert not outcome.failed
    counts = {step.name: step.count for plan in outcome.plans for step in plan.steps}
    assert counts["price_basis"] > 0
    assert {name: counts[name] for name in ("universe", "factors", "signals", "target_portfolio")} == {
        "universe": 1,
        "factors": 1,
        "signals": 1,
        "target_portfolio": 1,
    }
    day = sandbox.market.extra_day
    judged = f"{shift_trading_days(day, -PRICE_REACH).date()}..{day.date()}"  # the move rule's neighbours again
    for name in ("raw_prices", "prices", "universe", "factors", "signals", "target_portfolio"):
        built = sandbox.latest_materialization_metadata(name)["days_built"]
        expected = judged if name == "prices" else str(day.date())
        assert built == expected, f"{name} built {built} for one new day, not the day alone (or its month)"


def test_a_month_launched_by_hand_rebuilds_every_day_of_it_with_the_same_rows(base, tmp_path):
    """The UI's Materialize of one month partition (no planner tag) rebuilds all its landed days; the rows are the
    ones the planner's day-by-day build wrote."""
    sandbox = base.clone(tmp_path / "project")
    month = sandbox.market.history_days[100]
    key = f"{month:%Y-%m}"
    days = [d for d in sandbox.market.history_days if f"{d:%Y-%m}" == key]
    before = sandbox.query("SELECT * FROM universe ORDER BY date, ticker")
    with sandbox.opened() as (instance, resources, _):
        tags = {"dagster/asset_partition_range_start": key, "dagster/asset_partition_range_end": key}
        assert materialize(ALL_ASSETS, selection=[universe], instance=instance, resources=resources, tags=tags).success
    built = sandbox.latest_materialization_metadata("universe")["days_built"]
    assert built == f"{days[0].date()}..{days[-1].date()}"
    after = sandbox.query("SELECT * FROM universe ORDER BY date, ticker")
    pd.testing.assert_frame_equal(before, after)


def test_a_planner_run_of_a_built_month_writes_nothing_and_passes_its_checks(base, tmp_path):
    """A month whose days are all built and current (a backfill the sensor launched just before another finished):
    the run writes nothing, says so, and its blocking checks hold for the zero rows."""
    sandbox = base.clone(tmp_path / "project")
    key = f"{sandbox.market.history_days[100]:%Y-%m}"
    before = sandbox.query("SELECT count(*) AS n FROM prices").n[0]
    with sandbox.opened() as (instance, resources, _):
        tags = {"dagster/asset_partition_range_start": key, "dagster/asset_partition_range_end": key, TRIGGER_TAG: "t"}
        result = materialize(ALL_ASSETS, selection=[prices], instance=instance, resources=resources, tags=tags)
    assert result.success and all(check.passed for check in result.get_asset_check_evaluations())
    assert sandbox.latest_materialization_metadata("prices")["days_built"] == "none (all current)"
    assert sandbox.query("SELECT count(*) AS n FROM prices").n[0] == before


MODEL_STRATEGY = f"""
[strategies.ridge_ls]
signal_model = "ridge"
{LONG_SHORT_BOOK}
[strategies.ridge_ls.model]
horizon = 5
embargo = 5
train_window = 40
refit_every = 5
min_train_samples = 100
"""


def test_a_history_built_in_passes_of_a_few_sessions_equals_one_pass(tmp_path, monkeypatch):
    """factors, signals (a walk-forward model among them) and factor_evaluation build a long run
    STRATENGINE_PASS_SESSIONS days a pass (bounded memory at 20 years x 5,000 names), each pass reading its own
    look-back: passes of 7 sessions write the rows one pass wrote, table for table."""
    whole = Sandbox(tmp_path / "whole", STRATEGIES + MODEL_STRATEGY)
    whole.synth()
    assert not whole.update().failed
    passes = whole.clone(tmp_path / "passes")
    first, last = (str(day.date()) for day in whole.market.history_days[[0, -1]])
    monkeypatch.setenv("STRATENGINE_PASS_SESSIONS", "7")
    with passes.opened() as (_, resources, _):
        for asset in (factors, signals, factor_evaluation):
            asset(range_context(first, last, warehouse=resources["warehouse"], settings=resources["settings"]))
    tables = ("factors", "signals", "signal_model_fits", "factor_evaluation_daily")
    assert all(len(whole.query(f"SELECT * FROM {table} LIMIT 1")) for table in tables)
    assert differences(passes, whole, tables) == {}


def test_the_point_in_time_check_recomputes_a_model_strategys_signals_from_the_columns_it_trains_on(
    tmp_path, monkeypatch
):
    """The check's scratch copy holds, of the days before the one it recomputes, only the factor columns the model
    strategies read: the walk-forward model's signals still match; a copy without them does not."""
    import stratengine_assets.research.point_in_time as point_in_time

    sandbox = Sandbox(tmp_path / "models", STRATEGIES + MODEL_STRATEGY)
    sandbox.synth()
    assert not sandbox.update().failed
    with sandbox.opened() as (_, resources, _):
        honest = point_in_time.signals_point_in_time(check_context(**resources))
        day = honest.metadata["checked_day"].value
        modelled = f"SELECT 1 FROM signals WHERE strategy_id = 'ridge_ls' AND signal_timestamp = '{day}'"
        assert len(sandbox.query(modelled))
        assert honest.passed, honest.metadata
        monkeypatch.setattr(point_in_time, "model_columns", lambda book: {"factors": ["date", "ticker"]})
        blind = point_in_time.signals_point_in_time(check_context(**resources))
    assert not blind.passed and blind.metadata["checked_day"].value == day


def test_a_composite_signal_is_the_weighted_mean_of_the_scores_a_name_has(base):
    """sum(weight x score) / sum|weight| over the strategy's factors, a factor the name lacks counting as zero, for
    every name-day with a z-score in at least one of them (and no other)."""
    with base.opened() as (_, _, resolved):
        book = resolved["settings"].strategy_book()
    composites = book.composites()
    rows = base.query(f"SELECT date, ticker, factor, zscore, sector_zscore FROM {long_factors()}")
    stored = base.query("SELECT symbol AS ticker, signal_timestamp AS date, strategy_id, signal FROM signals")
    assert composites
    for strategy in composites:
        weights = pd.Series(strategy.factor_weights, dtype=float)
        mine = rows[rows["factor"].isin(weights.index)]
        terms = mine[strategy.score_column].fillna(0.0) * mine["factor"].map(weights)
        expected = terms.groupby([mine["date"], mine["ticker"]]).sum() / weights.abs().sum()
        got = stored[stored["strategy_id"] == strategy.strategy_id].set_index(["date", "ticker"])["signal"]
        assert len(expected) and set(got.index) == set(expected.index), strategy.strategy_id
        np.testing.assert_allclose(got.sort_index(), expected.sort_index(), rtol=0, atol=1e-12)


def test_a_warehouse_with_the_long_factors_table_of_older_releases_is_upgraded_and_rebuilt(base, tmp_path):
    """A file whose factors table is the long one (a row per name, day and factor) opens with that table replaced by
    the wide one and forgotten as built: the next update rebuilds it, and the warehouse equals the base's."""
    import duckdb

    sandbox = base.clone(tmp_path / "project")
    with duckdb.connect(sandbox.database) as conn:  # as an older release left it: no prepare on this connection
        conn.execute(f"CREATE TABLE long_factors AS SELECT * FROM {long_factors()}")
        conn.execute("DROP TABLE factors")
        conn.execute("ALTER TABLE long_factors RENAME TO factors")
    outcome = sandbox.update()
    assert not outcome.failed
    assert "factors" in {step.name for plan in outcome.plans for step in plan.steps}
    assert sandbox.query("SELECT count(*) AS n FROM factors")["n"][0] > 0
    assert differences(sandbox, base) == {}


def test_the_point_in_time_check_recomputes_a_month_end_once_for_the_same_signals(base, tmp_path):
    """The check's day is a month end a quarter back, the same all month: a run that finds it already verified on
    the same stored signals says by which run instead of recomputing; changed signals on that day are recomputed,
    and caught."""
    from dagster import AssetSelection, DagsterInstance

    from quant.calendar import month_end_trading_days
    from stratengine_assets.definitions import defs
    from stratengine_assets.research.point_in_time import signals_point_in_time

    sandbox = base.clone(tmp_path / "project")

    def check() -> tuple[str, dict]:
        with sandbox.opened() as (_, resources, _), DagsterInstance.get() as instance:
            result = materialize(
                [*defs.assets, *defs.asset_checks],
                selection=AssetSelection.checks(signals_point_in_time),
                instance=instance,
                resources=resources,
                raise_on_error=False,
            )
        (evaluation,) = result.get_asset_check_evaluations()
        metadata = {key: value.value for key, value in evaluation.metadata.items()}
        return result.run_id, metadata | {"passed": evaluation.passed}

    first_run, first = check()
    day = pd.Timestamp(first["checked_day"])
    assert first["passed"] and day in month_end_trading_days(day - pd.Timedelta(days=40), day)
    _, second = check()
    verifier = first.get("verified_in_run", first_run)  # the update's own signals run may have recomputed it
    assert second["passed"] and second["verified_in_run"] == verifier
    assert second["fingerprint"] == first["fingerprint"] and "signals_compared" not in second
    assert check()[1]["verified_in_run"] == verifier, "a reused verdict names the run that recomputed the day"
    with sandbox.warehouse().get_connection() as conn:
        conn.execute("UPDATE signals SET signal = signal + 0.5 WHERE signal_timestamp = ?", [day.date()])
    _, third = check()
    assert not third["passed"] and "verified_in_run" not in third
    assert third["signals_differing"] > 0 and third["fingerprint"] != first["fingerprint"]
    _, fourth = check()
    assert not fourth["passed"] and "verified_in_run" not in fourth, "a failed verdict is never reused"

"""Vendor failover and reconciliation in `prices`: rank, fall back, record the source, flag disagreement."""

from pathlib import Path

from dagster import DagsterInstance, materialize

from stratengine_assets.common.partition_range import day_range_tags
from stratengine_assets.ingestion.manifest import failed_files
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.raw_prices import raw_prices
from tests.helpers import ALL_ASSETS, random_walk, register, write_stooq

DAY = day_range_tags("2017-10-02", "2017-10-06")
HEADER = "date,ticker,open,high,low,close,adj_close,volume\n"


def _canonical(zone, name: str, rows: list[str]) -> None:
    path = Path(zone.root) / "prices" / "canonical" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows))


def _stooq(zone, ticker: str, seed: int) -> None:
    write_stooq(
        Path(zone.root) / "prices" / "stooq" / f"{ticker}.us.txt", random_walk("2017-09-01", "2017-10-06", seed)
    )


def _run(project):
    register(project)
    result = materialize(
        ALL_ASSETS, selection=[raw_prices, prices], instance=DagsterInstance.ephemeral(), resources=project, tags=DAY
    )
    assert result.success
    with project["warehouse"].get_connection() as conn:
        sources = conn.execute("SELECT ticker, vendor, count(*) FROM prices GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    return result, sources


def test_primary_lacks_a_ticker_so_the_secondary_fills_in(project):
    zone = project["landing_zone"]
    _stooq(zone, "aaa", 1)
    _stooq(zone, "bbb", 2)
    close = random_walk("2017-09-01", "2017-10-06", 1)["2017-10-02"]
    _canonical(zone, "prices_2017-10-02.csv", [f"2017-10-02,AAA,{close},{close},{close},{close},{close},100"])
    _, sources = _run(project)
    assert ("AAA", "canonical", 1) in sources and ("AAA", "stooq", 4) in sources
    assert ("BBB", "stooq", 5) in sources


def test_primary_file_fails_so_the_secondary_is_used(project):
    zone = project["landing_zone"]
    _stooq(zone, "aaa", 1)
    _canonical(zone, "prices_2017-10-03.csv", [])  # header only: the primary's file errors
    _, sources = _run(project)
    assert sources == [("AAA", "stooq", 5)]
    with project["warehouse"].session() as store:
        failed = failed_files(store)
    assert "header only" in failed["prices/canonical/prices_2017-10-03.csv"]


def test_vendor_disagreement_is_reported_by_the_check(project, monkeypatch):
    monkeypatch.setenv("STRATENGINE_VENDOR_TOLERANCE", "0.005")
    zone = project["landing_zone"]
    _stooq(zone, "aaa", 1)
    closes = random_walk("2017-09-01", "2017-10-06", 1)
    wrong = closes["2017-10-04"] * 1.02
    _canonical(zone, "prices_2017-10-04.csv", [f"2017-10-04,AAA,{wrong},{wrong},{wrong},{wrong},{wrong},100"])
    result, _ = _run(project)
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["prices_valid"].passed
    agree = checks["vendors_agree"]
    assert not agree.passed and agree.metadata["names"].value == ["AAA"]
    assert agree.metadata["disagreements"].value == 1


def test_no_vendor_covers_a_name_and_the_run_says_which(project):
    zone = project["landing_zone"]
    _stooq(zone, "aaa", 1)
    write_stooq(Path(zone.root) / "prices" / "stooq" / "bbb.us.txt", random_walk("2017-09-01", "2017-10-03", 2))
    result, _ = _run(project)
    metadata = result.asset_materializations_for_node("prices")[0].metadata
    assert metadata["missing_examples"].value == ["BBB 2017-10-04"]

"""EDGAR companyfacts: annual facts only, known from their filing date, restatements kept apart."""

from pathlib import Path

import pandas as pd
import pytest

from stratengine_assets.common.ticker_range import ticker_range_tags
from vendors.edgar import parse_companyfacts
from vendors.files import VendorFileError

FIXTURE = Path(__file__).with_name("fixtures") / "CIK0000002969.json"


def test_annual_facts_are_known_from_their_filing_date():
    cik, facts = parse_companyfacts(FIXTURE)
    assert cik == 2969
    income = facts[facts["metric"] == "net_income"].sort_values("period_end")
    assert income["value"].tolist() == [631_100_000, 3_000_400_000]  # quarter-long and 10-Q facts are out
    assert income["known_at"].tolist() == [pd.Timestamp("2016-11-22"), pd.Timestamp("2017-11-21")]


def test_a_restated_value_is_a_second_fact_known_later():
    _, facts = parse_companyfacts(FIXTURE)
    equity = facts[facts["metric"] == "total_equity"].sort_values("known_at")
    assert equity["value"].tolist() == [7_079_600_000, 7_213_000_000]
    assert equity["period_end"].nunique() == 1
    assert equity["known_at"].tolist() == [pd.Timestamp("2016-11-22"), pd.Timestamp("2017-12-15")]


def test_shares_come_from_the_dei_cover_facts():
    _, facts = parse_companyfacts(FIXTURE)
    assert sorted(facts[facts["metric"] == "shares_outstanding"]["value"]) == [217_500_000, 218_300_000]


@pytest.mark.parametrize("content", [b"", b'{"cik": 1}', b"\xff\xfe not json"])
def test_documents_without_facts_are_rejected(tmp_path, content):
    path = tmp_path / "CIK0000000001.json"
    path.write_bytes(content)
    with pytest.raises(VendorFileError, match="companyfacts"):
        parse_companyfacts(path)


def test_fundamentals_asset_maps_the_filer_by_cik(project):
    import shutil

    from dagster import DagsterInstance, materialize

    from partitions.definitions import add_tickers
    from stratengine_assets.ingestion.fundamentals import fundamentals
    from stratengine_assets.ingestion.securities import securities
    from tests.helpers import ALL_ASSETS, count, register

    root = Path(project["landing_zone"].root)
    (root / "fundamentals" / "edgar").mkdir(parents=True)
    shutil.copy(FIXTURE, root / "fundamentals" / "edgar" / FIXTURE.name)
    (root / "securities" / "sp500_master").mkdir(parents=True)
    (root / "securities" / "sp500_master" / "securities.csv").write_text(
        "Ticker Symbol,Security,GICS Sector,GICS Sub Industry,CIK\nAPD,Air Products,Materials,Industrial Gases,2969\n"
    )
    instance = DagsterInstance.ephemeral()
    add_tickers(instance, ["APD"])
    register(project, instance)
    assert materialize(ALL_ASSETS, selection=[securities], instance=instance, resources=project).success
    result = materialize(
        ALL_ASSETS, selection=[fundamentals], instance=instance, resources=project, tags=ticker_range_tags("APD", "APD")
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert [c.passed for c in checks] == [True]
    warehouse = project["warehouse"]
    assert count(warehouse, "SELECT count(*) FROM fundamentals WHERE ticker = 'APD'") == 7
    assert count(warehouse, "SELECT count(*) FROM fundamentals WHERE known_at = DATE '2017-12-15'") == 1

"""Every bad-input class ends in quarantine (rows) or a failed manifest entry (files), with its reason."""

import datetime as dt
from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize

from stratengine_assets.common.partition_range import day_range_tags
from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.raw_prices import raw_prices
from tests.helpers import ALL_ASSETS, register, with_settings

RANGE = day_range_tags("2017-10-02", "2017-10-13")
HEADER = "Date,Open,High,Low,Close,Volume,OpenInt"
FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
ROWS = [  # line 2 onwards; the comment is the reason each defective row must carry
    "2017-10-02,10,11,9,10,100,0",
    "2017-10-03,10,11,9,,100,0",  # missing_price
    "2017-10-04,10,11,9,-1,100,0",  # non_positive_price
    "2017-10-05,10,9,11,10,100,0",  # high_below_low
    "2017-10-06,10,11,9,12,100,0",  # close_outside_range
    "2017-10-07,10,11,9,10,100,0",  # non_trading_day (Saturday)
    "2017-10-09,10,11,9,10,-5,0",  # negative_volume
    "2017-10-10,10,11,9,10,100,0",  # duplicate_row
    "2017-10-10,10,11,9,10.1,100,0",  # duplicate_row
    "2017-10-11,10,11,9,10,100,0",
    "2017-10-12,10,40,9,30,100,0",  # extreme_move (+200%)
    "2017-10-13,10,11,9,10,100,0",
    "not-a-date,10,11,9,10,100,0",  # unparseable_date
    f"{FUTURE},10,11,9,10,100,0",  # future_date
]
EXPECTED = {
    3: "missing_price",
    4: "non_positive_price",
    5: "high_below_low",
    6: "close_outside_range",
    7: "non_trading_day",
    8: "negative_volume",
    9: "duplicate_row",
    10: "duplicate_row",
    12: "extreme_move",
    14: "unparseable_date",
    15: "future_date",
}


def _land(project, files: dict[str, bytes]) -> Path:
    folder = Path(project["landing_zone"].root) / "prices" / "stooq"
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def _run(project):
    register(project)
    result = materialize(
        ALL_ASSETS, selection=[raw_prices, prices], instance=DagsterInstance.ephemeral(), resources=project, tags=RANGE
    )
    assert result.success
    return result


def test_every_bad_row_is_quarantined_with_its_reason_and_line(project):
    _land(project, {"bad.us.txt": ("\n".join([HEADER, *ROWS]) + "\n").encode()})
    result = _run(project)
    with project["warehouse"].get_connection() as conn:
        held = dict(
            conn.execute(
                "SELECT source_line, reason FROM quarantine WHERE ticker = 'BAD' "
                "OR source_file = 'prices/stooq/bad.us.txt'"
            ).fetchall()
        )
        kept = conn.execute("SELECT CAST(date AS VARCHAR) FROM prices ORDER BY 1").fetchall()
    assert held == EXPECTED
    assert kept == [("2017-10-02",), ("2017-10-11",), ("2017-10-13",)]
    counts = result.asset_materializations_for_node("prices")[0].metadata["quarantined_by_reason"].value
    assert counts["duplicate_row"] == 2 and counts["extreme_move"] == 1


def test_the_move_threshold_is_configurable(project, monkeypatch):
    monkeypatch.setenv("STRATENGINE_MAX_DAILY_MOVE", "3.0")
    project = with_settings(project)
    _land(project, {"bad.us.txt": ("\n".join([HEADER, *ROWS]) + "\n").encode()})
    _run(project)
    with project["warehouse"].get_connection() as conn:
        reasons = [r for (r,) in conn.execute("SELECT reason FROM quarantine").fetchall()]
    assert "extreme_move" not in reasons


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "file is empty"),
        (f"{HEADER}\n".encode(), "header only"),
        (b"Date,Price\n2017-10-02,3\n", "wrong columns"),
        (b"\x00\x01\x02\xff\xfe binary", "not a UTF-8 text file"),
    ],
)
def test_unreadable_files_fail_in_the_manifest_and_the_run_goes_on(project, content, message):
    _land(project, {"broken.us.txt": content, "good.us.txt": f"{HEADER}\n{ROWS[0]}\n".encode()})
    _run(project)
    with project["warehouse"].get_connection() as conn:
        status = conn.execute("SELECT key, status, error FROM landing_manifest ORDER BY key").fetchall()
        kept = conn.execute("SELECT ticker FROM prices").fetchall()
    assert status[0][:2] == ("prices/stooq/broken.us.txt", "failed") and message in status[0][2]
    assert status[1][:2] == ("prices/stooq/good.us.txt", "registered")
    assert kept == [("GOOD",)]

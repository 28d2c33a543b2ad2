"""The real Stooq files: every known defect is quarantined with its reason, file and line."""

import shutil
from pathlib import Path

from stratengine_assets.ingestion.prices import prices
from stratengine_assets.ingestion.raw_prices import raw_prices
from tests.helpers import count, range_context, register


def test_real_defects_are_quarantined_not_dropped(project, real_data):
    target = Path(project["landing_zone"].root) / "prices" / "stooq"
    shutil.copytree(real_data / "prices_stooq", target)
    resources = {"warehouse": project["warehouse"], "landing_zone": project["landing_zone"]}
    register(project)
    raw_prices(range_context("2010-01-04", "2017-11-10", **resources))
    prices(range_context("2010-01-04", "2017-11-10", warehouse=project["warehouse"]))
    warehouse = project["warehouse"]
    raw = count(warehouse, "SELECT count(*) FROM raw_prices")
    kept = count(warehouse, "SELECT count(*) FROM prices")
    held = count(warehouse, "SELECT count(*) FROM quarantine WHERE dataset = 'prices'")
    assert raw == kept + held  # nothing silently dropped
    with warehouse.get_connection() as conn:
        defects = conn.execute(
            "SELECT ticker, CAST(date AS VARCHAR), reason, source_line FROM quarantine ORDER BY 1, 2"
        ).fetchall()
    assert [(t, d) for t, d, _, _ in defects] == [
        ("AVB", "2010-09-16"),
        ("AVB", "2012-11-19"),
        ("AVB", "2012-12-21"),
        ("SLG", "2014-03-04"),
    ]
    assert {r for _, _, r, _ in defects} <= {"high_below_low", "close_outside_range"}
    assert all(line > 1 for *_, line in defects)
    big_moves = count(
        warehouse,
        "SELECT count(*) FROM (SELECT close / lag(close) OVER (PARTITION BY ticker ORDER BY date) - 1 AS r "
        "FROM prices) WHERE abs(r) > 0.5",
    )
    assert big_moves == 0  # the +-50% spikes were the bad rows themselves

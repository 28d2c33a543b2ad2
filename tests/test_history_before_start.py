"""History before the calendar start is counted in the manifest and reported in one line, not quarantined row by
row (issue 11: the real Stooq drop put 5.46 M rows in quarantine as before_calendar_start); moving
STRATENGINE_START_DATE back ingests it without landing the files again."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cli.reports import update_report
from quant.calendar import trading_days
from tests.sandbox import Sandbox


def stooq_text(days: pd.DatetimeIndex, seed: int) -> str:
    close = 50.0 * np.exp(np.cumsum(np.random.default_rng(seed).normal(0, 0.01, len(days))))
    lines = ["Date,Open,High,Low,Close,Volume,OpenInt"]
    lines += [
        f"{d.date()},{c:.4f},{c * 1.01:.4f},{c * 0.99:.4f},{c:.4f},100000,0" for d, c in zip(days, close, strict=True)
    ]
    return "\n".join(lines) + "\n"


def test_rows_before_the_start_are_counted_then_ingested_when_the_start_moves_back(tmp_path):
    project = Sandbox(tmp_path / "project")
    days = trading_days("2016-06-01", "2017-03-31")
    for k, ticker in enumerate(("aaa", "bbb")):
        project.write(f"prices/stooq/{ticker}.us.txt", stooq_text(days, k))
    project.variables["STRATENGINE_START_DATE"] = "2017-01-03"
    outcome = project.ingest()
    assert not outcome.failed
    early = int((days < "2017-01-03").sum())
    assert project.query("SELECT count(*) AS n FROM quarantine")["n"][0] == 0
    manifest = project.query("SELECT key, rows_before_start, earliest_date, first_date FROM landing_manifest")
    assert manifest["rows_before_start"].tolist() == [early, early]
    assert (manifest["earliest_date"] == pd.Timestamp("2016-06-01")).all()
    assert (manifest["first_date"] == pd.Timestamp("2017-01-03")).all()
    with project.active(), project.opened() as (_, _, resolved), resolved["warehouse"].session() as store:
        lines = [line for line in update_report(store, outcome) if "not ingested" in line]
    assert len(lines) == 1 and f"{2 * early:,} price rows in 2 files" in lines[0] and "2016-06-01" in lines[0]
    assert project.query("SELECT min(date) AS d FROM raw_prices")["d"][0] == pd.Timestamp("2017-01-03")

    project.variables["STRATENGINE_START_DATE"] = "2016-06-01"
    assert not project.ingest().failed
    assert project.query("SELECT min(date) AS d FROM raw_prices")["d"][0] == pd.Timestamp("2016-06-01")
    assert project.query("SELECT count(*) AS n FROM prices")["n"][0] == 2 * len(days)
    assert project.query("SELECT sum(coalesce(rows_before_start, 0)) AS n FROM landing_manifest")["n"][0] == 0

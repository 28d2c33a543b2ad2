"""`stratengine demo` end to end on the bundled real sample, twice."""

import duckdb

from stratengine_assets.demo import run_demo

LAST_SAMPLE_DAY = "2017-11-10"


def _state(database: str) -> dict:
    with duckdb.connect(database, read_only=True) as conn:
        tables = [
            "prices",
            "fundamentals",
            "universe",
            "factors",
            "signals",
            "target_portfolio",
            "backtest_returns",
            "backtest_metrics",
            "quarantine",
        ]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


def test_demo_end_state_and_rerun(project):
    lines: list[str] = []
    summary = run_demo(say=lines.append)
    database = project["warehouse"].database
    holdings = summary["holdings"]
    assert str(holdings["date"].max())[:10] == LAST_SAMPLE_DAY
    assert 20 <= len(holdings) <= 40 and abs(holdings["weight"].sum() - 1) < 1e-6
    metrics = summary["metrics"]
    assert len(metrics) == 1 and metrics.loc[0, "end_date"].strftime("%Y-%m-%d") == LAST_SAMPLE_DAY
    assert any("target_portfolio done" in line for line in lines)
    first = _state(database)
    assert first["quarantine"] == 1  # SLG 2014-03-04, the one defective row in the sample's window
    run_demo(say=lines.append)
    assert _state(database) == first

"""Registration keeps each price file's parsed rows by content (landed_prices) and raw_prices assembles its windows
from them in SQL: files are parsed once. The kept rows must follow the files that hold them through duplicates,
hand-overs, new versions and removals, as a from-scratch build of the same files would hold them, and a warehouse
without them (an older release's) must still build the same raw_prices by parsing."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from storage.duckdb_backend.landed import LandedQueries
from tests.sandbox import Sandbox, differences

STOOQ_HEADER = "Date,Open,High,Low,Close,Volume,OpenInt"
CANONICAL_HEADER = "date,ticker,open,high,low,close,adj_close,volume"
INGESTION = ["landing_manifest", "landed_prices", "raw_prices", "prices", "quarantine"]


def _stooq_project(root) -> Sandbox:
    project = Sandbox(root, strategies=None)
    project.synth(names=4, days=30, prices="stooq")
    project.write("prices/stooq/late.us.txt", f"{STOOQ_HEADER}\n2010-01-04,1,1,1,1,1,0\n2099-01-04,1,1,1,1,1,0\n")
    return project


def _canonical(day: str, close: float) -> str:
    rows = [f"{day},{t},{close},{close * 1.01},{close * 0.99},{close},{close},1000" for t in ("AAA", "BBB")]
    return "\n".join([CANONICAL_HEADER, *rows]) + "\n"


def test_raw_prices_is_assembled_from_the_kept_rows_without_parsing_a_file(tmp_path):
    project = _stooq_project(tmp_path / "project")
    project.ingest()
    metadata = project.latest_materialization_metadata("raw_prices")
    assert metadata["files_parsed"] == 0
    assert metadata["files_read"] == 5
    kept = project.query("SELECT count(*) AS n, max(date) AS last FROM landed_prices")
    raw = project.query("SELECT count(*) AS n FROM raw_prices")["n"][0]
    assert kept["n"][0] == raw + 1  # the row dated 2099 is kept for its day, not read before it
    assert str(kept["last"][0])[:4] == "2099"
    joined = project.query(
        "SELECT count(*) AS n FROM raw_prices r JOIN landed_prices l USING (date, ticker, source_line, close)"
    )
    assert joined["n"][0] == raw


def test_a_warehouse_without_kept_rows_parses_the_files_into_the_same_raw_prices(tmp_path, monkeypatch):
    kept = _stooq_project(tmp_path / "kept")
    kept.ingest()
    older = kept.files_copy(tmp_path / "older")
    monkeypatch.setattr(LandedQueries, "land_price_rows", lambda self, contents, rows: 0)
    older.ingest()
    assert older.query("SELECT count(*) AS n FROM landed_prices")["n"][0] == 0
    assert older.latest_materialization_metadata("raw_prices")["files_parsed"] == 5
    assert differences(kept, older, ["landing_manifest", "raw_prices", "prices", "quarantine"]) == {}


def test_kept_rows_follow_the_files_as_a_build_from_scratch_keeps_them(tmp_path):
    project = Sandbox(tmp_path / "project", strategies=None)
    steps = [
        (
            "land a file and a byte-identical copy",
            {"a": _canonical("2017-08-01", 10.0), "b": _canonical("2017-08-01", 10.0)},
        ),
        ("remove the file read: its copy is read instead", {"a": None}),
        ("a new version of the copy", {"b": _canonical("2017-08-01", 11.0)}),
        ("the copy removed, another file landed", {"b": None, "c": _canonical("2017-08-02", 12.0)}),
    ]
    for n, (what, files) in enumerate(steps):
        for name, text in files.items():
            path = project.landing / f"prices/canonical/{name}.csv"
            if text is None:
                path.unlink()
            else:
                project.write(f"prices/canonical/{name}.csv", text)
        project.ingest()
        scratch = project.files_copy(tmp_path / f"scratch_{n}")
        scratch.ingest()
        assert differences(project, scratch, INGESTION) == {}, what
        contents = project.query("SELECT count(DISTINCT checksum) AS n, count(*) AS rows FROM landed_prices")
        # one content, two rows: what it replaced is gone
        assert (contents["n"][0], contents["rows"][0]) == (1, 2), what
    sources = project.query("SELECT DISTINCT source_file FROM raw_prices")["source_file"].tolist()
    assert sources == ["prices/canonical/c.csv"]


def _manifest_row(key: str, checksum: str, status: str) -> dict:
    return {
        "key": key,
        "vendor": "canonical",
        "dataset": "prices",
        "size": 1,
        "version": "1",
        "checksum": checksum,
        "modified": pd.Timestamp("2017-08-01"),
        "first_date": pd.Timestamp("2017-08-01"),
        "last_date": pd.Timestamp("2017-08-01"),
        "status": status,
        "registered_at": pd.Timestamp("2017-08-01"),
    }


def _kept_rows(checksums: list[str], days: list[str]) -> pd.DataFrame:
    """landed_prices rows of one canonical name, a row per (checksum, day), on lines 2, 3, ..."""
    bar = {"ticker": "AAA", "open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0, "as_traded_close": 1.0}
    return pd.DataFrame({"vendor": "canonical", "checksum": checksums, "date": pd.to_datetime(days), **bar}).assign(
        source_line=range(2, 2 + len(days))
    )


def test_a_row_dated_after_today_is_kept_and_read_once_its_day_has_come(project):
    """Registration keeps a future-dated row (quarantined as future_date on that day); raw_prices reads it from the
    first run on or after its date, as a parse of the file on that day would."""
    rows = _kept_rows(["c1", "c1"], ["2017-08-01", "2017-08-03"])
    window = (dt.date(2017, 8, 1), dt.date(2017, 8, 10))
    with project["warehouse"].session() as store:
        store.append("landing_manifest", pd.DataFrame([_manifest_row("prices/canonical/a.csv", "c1", "registered")]))
        store.land_price_rows(rows[["vendor", "checksum"]].drop_duplicates(), rows)
        seen = {}
        for today in (dt.date(2017, 8, 2), dt.date(2017, 8, 3)):
            files = store.stage_landed_raw_prices(*window, today, dt.datetime(2017, 8, 3))
            with store.transaction():
                store.delete("raw_prices")
                store.append_staged("raw_prices")
            seen[today] = (files, sorted(store.read("raw_prices")["date"].dt.day))
    assert seen == {
        dt.date(2017, 8, 2): (["prices/canonical/a.csv"], [1]),
        dt.date(2017, 8, 3): (["prices/canonical/a.csv"], [1, 3]),
    }


def test_kept_rows_go_only_when_no_readable_file_holds_their_content(project):
    rows = _kept_rows(["c1", "c2"], ["2017-08-01", "2017-08-01"])
    with project["warehouse"].session() as store:
        manifest = [_manifest_row("prices/canonical/dup.csv", "c1", "duplicate")]
        store.append("landing_manifest", pd.DataFrame(manifest))
        store.land_price_rows(rows[["vendor", "checksum"]], rows)
        store.release_landed_rows(["c1", "c2"])
        left = sorted(store.read("landed_prices")["checksum"])
    assert left == ["c1"]  # a duplicate still holds c1; nothing holds c2

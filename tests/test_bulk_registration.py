"""Price files are registered and ingested in batches (one DuckDB read and one transaction for many files): how
the files fall into batches must never change what the warehouse holds."""

from __future__ import annotations

from stratengine_assets.ingestion import price_files, registration
from tests.sandbox import Sandbox, differences

STOOQ = "prices/stooq"
HEADER = "Date,Open,High,Low,Close,Volume,OpenInt"


def _project(root, names: int = 6) -> Sandbox:
    """Stooq history for a few names, one file with bad rows, one DuckDB cannot read, one with an invalid name."""
    project = Sandbox(root, strategies=None)
    project.synth(names=names, days=40, prices="stooq")
    project.write(f"{STOOQ}/badrows.us.txt", f"{HEADER}\n2099-01-04,1,1,1,1,1,0\nnot-a-date,1,1,1,1,1,0\n")
    project.write(f"{STOOQ}/ragged.us.txt", f"{HEADER}\n2010-01-04,1,1,1,1,1,0,7\n")
    project.write(f"{STOOQ}/bad%name.us.txt", f"{HEADER}\n2010-01-04,1,1,1,1,1,0\n")
    return project


def test_one_file_per_batch_builds_what_one_batch_of_all_files_builds(tmp_path, monkeypatch):
    together = _project(tmp_path / "together")
    together.ingest()
    monkeypatch.setattr(registration, "BATCH_BYTES", 1)
    monkeypatch.setattr(price_files, "BATCH_BYTES", 1)
    alone = _project(tmp_path / "alone")
    alone.ingest()
    assert differences(together, alone) == {}
    manifest = together.query("SELECT key, status, error FROM landing_manifest WHERE dataset = 'prices' ORDER BY key")
    failed = dict(manifest.loc[manifest["status"] == "failed", ["key", "error"]].values)
    assert "Expected Number of Columns" in failed[f"{STOOQ}/ragged.us.txt"]
    assert (manifest["status"] == "registered").sum() == 7  # the six names and the file with bad rows
    reasons = together.query("SELECT reason, count(*) AS n FROM quarantine GROUP BY reason ORDER BY reason")
    assert dict(reasons.values) == {"future_date": 1, "unparseable_date": 1}
    assert together.query("SELECT count(*) AS n FROM raw_prices")["n"][0] > 6 * 30


def test_a_batch_of_more_files_than_a_one_byte_code_counts(tmp_path):
    """Rows carry their file and ticker as categorical codes: past 127 files the codes widen, and the per-file
    figures of a batch (rows, dates; no row before the start here, an empty grouping) must line up with their
    files."""
    project = _project(tmp_path / "many", names=140)
    project.ingest()
    manifest = project.query(
        "SELECT key, row_count, first_date FROM landing_manifest"
        " WHERE dataset = 'prices' AND status = 'registered' ORDER BY key"
    ).set_index("key")
    assert len(manifest) == 141  # the 140 names and the file with bad rows
    held = project.query("SELECT source_file, count(*) AS n FROM raw_prices GROUP BY 1").set_index("source_file")["n"]
    names = manifest.drop(index=f"{STOOQ}/badrows.us.txt")
    assert (names["row_count"] == held.reindex(names.index)).all()
    assert names["first_date"].notna().all()

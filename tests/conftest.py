"""Shared fixtures: a throwaway project (warehouse file, landing zone, Dagster home) per test."""

from __future__ import annotations

from pathlib import Path

import pytest

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Env vars pointing StratEngine at a temp folder; returns the resources built from them."""
    home = tmp_path / "project"
    (home / ".dagster_home").mkdir(parents=True)
    (home / ".dagster_home" / "dagster.yaml").touch()
    monkeypatch.setenv("STRATENGINE_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / ".dagster_home"))
    monkeypatch.delenv("STRATENGINE_WAREHOUSE", raising=False)
    monkeypatch.delenv("STRATENGINE_LANDING_DIR", raising=False)
    from resources.settings import build_resources

    return build_resources()


@pytest.fixture
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip("../shared/data/real is not present on this machine")
    return REAL_DATA

"""Project paths and tunables, read from environment variables with sane defaults."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import ConfigurableResource, EnvVar


def project_home() -> Path:
    """Root for data and the Dagster home: STRATENGINE_HOME, default the working directory."""
    return Path(os.environ.get("STRATENGINE_HOME", ".")).resolve()


def env_or_default(name: str, default: str) -> str | EnvVar:
    """An EnvVar when the variable is set (so the UI shows its source), else the default."""
    return EnvVar(name) if os.environ.get(name) else default


def warehouse_path() -> str | EnvVar:
    return env_or_default("STRATENGINE_WAREHOUSE", str(project_home() / "data" / "warehouse.duckdb"))


def landing_root() -> str | EnvVar:
    return env_or_default("STRATENGINE_LANDING_DIR", str(project_home() / "data" / "landing"))


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or project_home() / ".dagster_home")


def fundamentals_lag_days() -> int:
    """Days between a period end and the date its figures count as known (no filing date)."""
    return int(os.environ.get("STRATENGINE_FUNDAMENTALS_LAG_DAYS", "90"))


def price_vendor_ranking() -> list[str]:
    """Price vendors best first (STRATENGINE_PRICE_VENDORS, comma separated)."""
    return [v.strip() for v in os.environ.get("STRATENGINE_PRICE_VENDORS", "canonical,stooq").split(",") if v]


def build_resources() -> dict[str, ConfigurableResource]:
    """The code location's resources, configured from the environment."""
    from resources import LandingZoneResource, WarehouseResource

    return {
        "warehouse": WarehouseResource(database=warehouse_path()),
        "landing_zone": LandingZoneResource(root=landing_root()),
    }


def initialized(resources: dict[str, ConfigurableResource]) -> dict[str, ConfigurableResource]:
    """Copies with EnvVar fields resolved, for use outside a run (command line, benchmarks)."""
    return {key: resource.process_config_and_initialize() for key, resource in resources.items()}

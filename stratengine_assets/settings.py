"""Project paths and tunables, read from environment variables with sane defaults."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import ConfigurableResource, EnvVar


def project_home() -> Path:
    """Root for data and the Dagster home: STRATENGINE_HOME, default the working directory."""
    return Path(os.environ.get("STRATENGINE_HOME", ".")).resolve()


def env_or_default(name: str, default: str, direct: bool = False) -> str | EnvVar:
    """The variable's value, else the default; an EnvVar (so the UI shows its source) unless `direct`."""
    value = os.environ.get(name)
    if not value:
        return default
    return value if direct else EnvVar(name)


def warehouse_path(direct: bool = False) -> str | EnvVar:
    return env_or_default("STRATENGINE_WAREHOUSE", str(project_home() / "data" / "warehouse.duckdb"), direct)


def landing_root(direct: bool = False) -> str | EnvVar:
    return env_or_default("STRATENGINE_LANDING_DIR", str(project_home() / "data" / "landing"), direct)


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or project_home() / ".dagster_home")


# One "planned" event per asset and run instead of one per partition: a 970-day range costs 970 fewer SQLite
# writes per asset. The price, in Dagster's words: partitions of a failed run are not marked failed (they stay
# missing, and the run shows the failure).
ONE_PLANNED_EVENT_PER_RUN = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def ensure_dagster_home() -> Path:
    """Create the Dagster home (with telemetry off) if missing and point DAGSTER_HOME at it."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault(ONE_PLANNED_EVENT_PER_RUN, "true")
    return home


def fundamentals_lag_days() -> int:
    """Days between a period end and the date its figures count as known (no filing date)."""
    return int(os.environ.get("STRATENGINE_FUNDAMENTALS_LAG_DAYS", "90"))


def price_vendor_ranking() -> list[str]:
    """Price vendors best first (STRATENGINE_PRICE_VENDORS, comma separated)."""
    return [
        v.strip()
        for v in os.environ.get("STRATENGINE_PRICE_VENDORS", "canonical,stooq,stooq_api,yahoo").split(",")
        if v
    ]


def landing_zone(direct: bool = False) -> ConfigurableResource:
    """S3 when STRATENGINE_LANDING_S3_BUCKET is set (prefix, endpoint and region from their variables), else local."""
    from resources import LocalLandingZone, S3LandingZone

    if not os.environ.get("STRATENGINE_LANDING_S3_BUCKET"):
        return LocalLandingZone(root=landing_root(direct))
    from dagster_aws.s3 import S3Resource

    return S3LandingZone(
        bucket=env_or_default("STRATENGINE_LANDING_S3_BUCKET", "", direct),
        prefix=env_or_default("STRATENGINE_LANDING_S3_PREFIX", "", direct),
        cache_dir=env_or_default("STRATENGINE_S3_CACHE_DIR", str(project_home() / "data" / "s3_cache"), direct),
        s3=S3Resource(
            endpoint_url=os.environ.get("STRATENGINE_S3_ENDPOINT_URL") or None,
            region_name=os.environ.get("AWS_REGION", "us-east-1"),
        ),
    )


def build_resources(direct: bool = False) -> dict[str, ConfigurableResource]:
    """The code location's resources from the environment; `direct` resolves EnvVars for use outside a run."""
    from resources import WarehouseResource

    return {"warehouse": WarehouseResource(database=warehouse_path(direct)), "landing_zone": landing_zone(direct)}

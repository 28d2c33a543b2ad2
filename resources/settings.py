"""Every environment variable StratEngine reads, read here and nowhere else: paths, the calendar's first day, and
the fields of the resources the code location runs with."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
from dagster import ConfigurableResource, EnvVar

from quant.strategies import StrategyBook
from quant.strategy_file import BUNDLED_STRATEGIES, load_strategies
from storage.warehouse import PriceRules
from vendors.stooq_api import DEFAULT_URL, StooqDownloader

DEFAULT_FIRST_DAY = "2010-01-04"
DEFAULT_PRICE_VENDORS = "canonical,stooq,stooq_api,yahoo"
# One "planned" event per asset and run instead of one per partition: a 970-day range costs 970 fewer SQLite
# writes per asset. The price, in Dagster's words: partitions of a failed run are not marked failed (they stay
# missing, and the run shows the failure).
ONE_PLANNED_EVENT_PER_RUN = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def project_home() -> Path:
    """Root for data and the Dagster home: STRATENGINE_HOME, default the working directory."""
    return Path(os.environ.get("STRATENGINE_HOME", ".")).resolve()


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or project_home() / ".dagster_home")


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


def calendar_start() -> dt.date:
    """First trading day the partitions cover (STRATENGINE_START_DATE, default 2010-01-04)."""
    return dt.date.fromisoformat(os.environ.get("STRATENGINE_START_DATE", DEFAULT_FIRST_DAY))


def stooq_downloader() -> StooqDownloader:
    """The live Stooq adapter: STRATENGINE_STOOQ_URL, STRATENGINE_API_TIMEOUT_SECONDS, STRATENGINE_API_RETRIES."""
    return StooqDownloader(
        base_url=os.environ.get("STRATENGINE_STOOQ_URL", DEFAULT_URL),
        timeout_seconds=_number("STRATENGINE_API_TIMEOUT_SECONDS", 10.0),
        retries=int(_number("STRATENGINE_API_RETRIES", 3)),
    )


class PipelineSettings(ConfigurableResource):
    """The pipeline's tunables. Text and whole-number fields come as EnvVars (the UI shows their source)."""

    strategies: str = str(BUNDLED_STRATEGIES)
    fundamentals_lag_days: int = 90
    price_vendors: str = DEFAULT_PRICE_VENDORS
    max_daily_move: float = 0.5
    vendor_tolerance: float = 0.005
    fracdiff_d: str = "auto"
    fracdiff_threshold: float = 1e-4
    pit_check_date: str = ""

    def strategy_book(self) -> StrategyBook:
        """The universe rules, research rules and strategies of the configured file, checked."""
        return load_strategies(self.strategies)

    def price_rules(self) -> PriceRules:
        ranking = [v.strip() for v in self.price_vendors.split(",") if v]
        return PriceRules(ranking, self.max_daily_move, self.vendor_tolerance)

    def fixed_fracdiff_d(self) -> float | None:
        """A fixed d in [0, 1], or None for "auto" (the smallest d passing ADF, per ticker)."""
        raw = self.fracdiff_d.strip()
        if raw.lower() == "auto":
            return None
        d = float(raw)
        if not 0 <= d <= 1:
            raise ValueError(f"STRATENGINE_FRACDIFF_D must be 'auto' or a number in [0, 1], got {raw!r}")
        return d

    def checked_fracdiff_threshold(self) -> float:
        """The |weight| below which the fractional-difference window is cut, in (0, 1)."""
        if not 0 < self.fracdiff_threshold < 1:
            raise ValueError(f"STRATENGINE_FRACDIFF_THRESHOLD must be in (0, 1), got {self.fracdiff_threshold}")
        return self.fracdiff_threshold

    def pit_day(self) -> pd.Timestamp | None:
        """The day the point-in-time check recomputes, when one is configured."""
        return pd.Timestamp(self.pit_check_date) if self.pit_check_date else None


def _text(name: str, default: str, resolved: bool) -> str | EnvVar:
    """EnvVar(name) when set (resolved in the run, its source shown in the UI), else the default; with
    `resolved`, the variable's value itself, for use outside a run."""
    value = os.environ.get(name)
    if not value:
        return default
    return value if resolved else EnvVar(name)


def _whole(name: str, default: int, resolved: bool) -> int | EnvVar:
    value = os.environ.get(name)
    if not value:
        return default
    return int(value) if resolved else EnvVar.int(name)


def _number(name: str, default: float) -> float:
    """A decimal setting (Dagster has no float EnvVar): the variable's value, else the default."""
    raw = os.environ.get(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def pipeline_settings(resolved: bool = False) -> PipelineSettings:
    return PipelineSettings(
        strategies=_text("STRATENGINE_STRATEGIES", str(BUNDLED_STRATEGIES), resolved),
        fundamentals_lag_days=_whole("STRATENGINE_FUNDAMENTALS_LAG_DAYS", 90, resolved),
        price_vendors=_text("STRATENGINE_PRICE_VENDORS", DEFAULT_PRICE_VENDORS, resolved),
        max_daily_move=_number("STRATENGINE_MAX_DAILY_MOVE", 0.5),
        vendor_tolerance=_number("STRATENGINE_VENDOR_TOLERANCE", 0.005),
        fracdiff_d=_text("STRATENGINE_FRACDIFF_D", "auto", resolved),
        fracdiff_threshold=_number("STRATENGINE_FRACDIFF_THRESHOLD", 1e-4),
        pit_check_date=_text("STRATENGINE_PIT_CHECK_DATE", "", resolved),
    )


def landing_zone(resolved: bool = False) -> ConfigurableResource:
    """S3 when STRATENGINE_LANDING_S3_BUCKET is set (prefix, endpoint and region from their variables), else local."""
    from resources.landing_zone import LocalLandingZone

    bucket = _text("STRATENGINE_LANDING_S3_BUCKET", "", resolved)
    if not bucket:
        return LocalLandingZone(
            root=_text("STRATENGINE_LANDING_DIR", str(project_home() / "data" / "landing"), resolved)
        )
    from dagster_aws.s3 import S3Resource

    from resources.s3_landing_zone import S3LandingZone

    return S3LandingZone(
        bucket=bucket,
        prefix=_text("STRATENGINE_LANDING_S3_PREFIX", "", resolved),
        cache_dir=_text("STRATENGINE_S3_CACHE_DIR", str(project_home() / "data" / "s3_cache"), resolved),
        s3=S3Resource(
            endpoint_url=os.environ.get("STRATENGINE_S3_ENDPOINT_URL") or None,
            region_name=os.environ.get("AWS_REGION", "us-east-1"),
        ),
    )


def build_resources(resolved: bool = False) -> dict[str, ConfigurableResource]:
    """The code location's resources from the environment; `resolved` puts each variable's value in place of its
    EnvVar, for use outside a run (the command line, benchmarks)."""
    from resources.warehouse import WarehouseResource

    warehouse = _text("STRATENGINE_WAREHOUSE", str(project_home() / "data" / "warehouse.duckdb"), resolved)
    return {
        "warehouse": WarehouseResource(database=warehouse),
        "landing_zone": landing_zone(resolved),
        "settings": pipeline_settings(resolved),
    }


def resolved_resources() -> dict[str, ConfigurableResource]:
    """The resources with every setting's value in place, for use outside a run."""
    return build_resources(resolved=True)

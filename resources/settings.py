"""Every environment variable StratEngine reads, read here and nowhere else: paths, the calendar's first day, and
the fields of the resources the code location runs with."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from dagster import ConfigurableResource, EnvVar

from quant.strategies import BUNDLED_STRATEGIES, StrategyBook
from resources.alerts import AlertWebhookResource
from resources.landing_zone import LocalLandingZone
from resources.warehouse import DuckDBWarehouseResource, DuckLakeWarehouseResource, WarehouseResource
from storage.warehouse import PriceRules

if TYPE_CHECKING:
    from vendors.stooq_api import StooqDownloader

DEFAULT_FIRST_DAY = "2010-01-04"
DEFAULT_PASS_SESSIONS = 504
DEFAULT_DUCKDB_MEMORY_MB = 3000
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


def backfill_partitions_per_run() -> int | None:
    """STRATENGINE_BACKFILL_PARTITIONS_PER_RUN: split backfills into runs of at most this many partitions (unset: one
    run per backfill)."""
    return whole_number("STRATENGINE_BACKFILL_PARTITIONS_PER_RUN")


def whole_number(variable: str) -> int | None:
    """The environment variable as a whole number >= 1, None when unset or blank; a ValueError naming it otherwise."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{variable} must be a whole number >= 1, got {text!r}")
    return int(text)


@dataclass(frozen=True)
class ApiSettings:
    """`stratengine serve`: where it listens, the token that state-changing requests must carry (unset: they are
    refused), and the largest request body it reads."""

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = field(default=None, repr=False)
    max_body_bytes: int = 65_536


def api_settings() -> ApiSettings:
    """STRATENGINE_API_HOST, STRATENGINE_API_PORT, STRATENGINE_API_TOKEN, STRATENGINE_API_MAX_BODY_BYTES."""
    port = os.environ.get("STRATENGINE_API_PORT", "8000")
    body = os.environ.get("STRATENGINE_API_MAX_BODY_BYTES", "65536")
    for name, text in (("STRATENGINE_API_PORT", port), ("STRATENGINE_API_MAX_BODY_BYTES", body)):
        if not text.isdigit():
            raise ValueError(f"{name} must be a whole number, got {text!r}")
    return ApiSettings(
        host=os.environ.get("STRATENGINE_API_HOST", "127.0.0.1"),
        port=int(port),
        token=os.environ.get("STRATENGINE_API_TOKEN") or None,
        max_body_bytes=int(body),
    )


def calendar_start() -> dt.date:
    """First trading day the partitions cover (STRATENGINE_START_DATE, default 2010-01-04)."""
    return dt.date.fromisoformat(os.environ.get("STRATENGINE_START_DATE", DEFAULT_FIRST_DAY))


def calendar_end() -> dt.date | None:
    """Last trading day the partitions cover (STRATENGINE_END_DATE), for a closed history such as the demo's;
    unset: through today, growing each day."""
    text = os.environ.get("STRATENGINE_END_DATE", "").strip()
    return dt.date.fromisoformat(text) if text else None


def calendar_configured() -> bool:
    """Whether STRATENGINE_START_DATE or STRATENGINE_END_DATE is set."""
    return bool(os.environ.get("STRATENGINE_START_DATE") or os.environ.get("STRATENGINE_END_DATE"))


def stooq_downloader() -> StooqDownloader:
    """The live Stooq adapter: STRATENGINE_STOOQ_URL, STRATENGINE_API_TIMEOUT_SECONDS, STRATENGINE_API_RETRIES."""
    from vendors.stooq_api import DEFAULT_URL, StooqDownloader

    timeout = os.environ.get("STRATENGINE_API_TIMEOUT_SECONDS", "10")
    return StooqDownloader(
        base_url=os.environ.get("STRATENGINE_STOOQ_URL", DEFAULT_URL),
        timeout_seconds=decimal("STRATENGINE_API_TIMEOUT_SECONDS", timeout),
        retries=int(os.environ.get("STRATENGINE_API_RETRIES", "3")),
    )


def decimal(name: str, text: str) -> float:
    """A decimal setting's text as a number, or an error naming the variable."""
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {text!r}") from None


class PipelineSettings(ConfigurableResource):
    """The pipeline's tunables, each from its environment variable (SETTING_VARIABLES) when set. Decimals are text
    (Dagster's EnvVar carries text and whole numbers) and are checked when a run reads them."""

    strategies: str = str(BUNDLED_STRATEGIES)
    fundamentals_lag_days: int = 90
    price_vendors: str = "canonical,stooq,stooq_api,yahoo"
    max_daily_move: str = "0.5"
    vendor_tolerance: str = "0.005"
    fracdiff_d: str = "auto"
    fracdiff_threshold: str = "0.0001"
    pit_check_date: str = ""
    min_coverage: str = "0.9"
    delisting_return: str = ""
    stale_after_hours: str = "30"
    export_dir: str = ""

    def strategy_book(self) -> StrategyBook:
        """The universe rules, research rules and strategies of the configured file, checked."""
        from quant.strategy_file import load_strategies

        return load_strategies(self.strategies)

    def price_rules(self) -> PriceRules:
        ranking = [v.strip() for v in self.price_vendors.split(",") if v]
        move = decimal("STRATENGINE_MAX_DAILY_MOVE", self.max_daily_move)
        return PriceRules(ranking, move, decimal("STRATENGINE_VENDOR_TOLERANCE", self.vendor_tolerance))

    def fixed_fracdiff_d(self) -> float | None:
        """A fixed d in [0, 1], or None for "auto" (the smallest d passing ADF, per ticker)."""
        raw = self.fracdiff_d.strip()
        if raw.lower() == "auto":
            return None
        d = decimal("STRATENGINE_FRACDIFF_D", raw)
        if not 0 <= d <= 1:
            raise ValueError(f"STRATENGINE_FRACDIFF_D must be 'auto' or a number in [0, 1], got {raw!r}")
        return d

    def checked_fracdiff_threshold(self) -> float:
        """The |weight| below which the fractional-difference window is cut, in (0, 1)."""
        threshold = decimal("STRATENGINE_FRACDIFF_THRESHOLD", self.fracdiff_threshold)
        if not 0 < threshold < 1:
            raise ValueError(f"STRATENGINE_FRACDIFF_THRESHOLD must be in (0, 1), got {threshold}")
        return threshold

    def coverage(self) -> float:
        """The share of the names priced the last complete session that a trading day needs to be built on."""
        share = decimal("STRATENGINE_MIN_COVERAGE", self.min_coverage)
        if not 0 <= share <= 1:
            raise ValueError(f"STRATENGINE_MIN_COVERAGE must be in [0, 1], got {share}")
        return share

    def checked_delisting_return(self) -> float | None:
        """The return a held name takes on the day after its last price, in [-1, 1]; None: it leaves at that price."""
        if not self.delisting_return.strip():
            return None
        value = decimal("STRATENGINE_DELISTING_RETURN", self.delisting_return)
        if not -1 <= value <= 1:
            raise ValueError(f"STRATENGINE_DELISTING_RETURN must be in [-1, 1], got {value}")
        return value

    def pit_day(self) -> pd.Timestamp | None:
        """The day the point-in-time check recomputes, when one is configured."""
        return pd.Timestamp(self.pit_check_date) if self.pit_check_date else None

    def stale_after_seconds(self) -> float:
        """How long a daily asset may go without a materialization before the stale-data sensor says so."""
        hours = decimal("STRATENGINE_STALE_AFTER_HOURS", self.stale_after_hours)
        if not hours > 0:
            raise ValueError(f"STRATENGINE_STALE_AFTER_HOURS must be a number of hours > 0, got {hours}")
        return hours * 3600

    def export_root(self) -> Path:
        """Where exports are written: STRATENGINE_EXPORT_DIR, default <project home>/exports."""
        return Path(self.export_dir).resolve() if self.export_dir.strip() else project_home() / "exports"


SETTING_VARIABLES = {
    "strategies": "STRATENGINE_STRATEGIES",
    "fundamentals_lag_days": "STRATENGINE_FUNDAMENTALS_LAG_DAYS",
    "price_vendors": "STRATENGINE_PRICE_VENDORS",
    "max_daily_move": "STRATENGINE_MAX_DAILY_MOVE",
    "vendor_tolerance": "STRATENGINE_VENDOR_TOLERANCE",
    "fracdiff_d": "STRATENGINE_FRACDIFF_D",
    "fracdiff_threshold": "STRATENGINE_FRACDIFF_THRESHOLD",
    "pit_check_date": "STRATENGINE_PIT_CHECK_DATE",
    "min_coverage": "STRATENGINE_MIN_COVERAGE",
    "delisting_return": "STRATENGINE_DELISTING_RETURN",
    "stale_after_hours": "STRATENGINE_STALE_AFTER_HOURS",
    "export_dir": "STRATENGINE_EXPORT_DIR",
}


def _from_env(name: str, resolved: bool, whole: bool = False) -> str | int | EnvVar | None:
    """The variable as an EnvVar (resolved in the run, its source shown in the UI), or with `resolved` its value
    itself, for use outside a run; None when it is not set."""
    value = os.environ.get(name)
    if not value:
        return None
    if resolved:
        return int(value) if whole else value
    return EnvVar.int(name) if whole else EnvVar(name)


def _or(value, default):
    return default if value is None else value


def pipeline_settings(resolved: bool = False) -> PipelineSettings:
    """PipelineSettings with each set variable in its field; unset ones keep the field's default."""
    fields = PipelineSettings.model_fields
    values = {
        field: _from_env(variable, resolved, whole=fields[field].annotation in (int, "int"))
        for field, variable in SETTING_VARIABLES.items()
    }
    return PipelineSettings(**{field: value for field, value in values.items() if value is not None})


def landing_zone(resolved: bool = False) -> ConfigurableResource:
    """S3 when STRATENGINE_LANDING_S3_BUCKET is set (prefix, endpoint and region from their variables), else local."""
    bucket = _from_env("STRATENGINE_LANDING_S3_BUCKET", resolved)
    if bucket is None:
        default = str(project_home() / "data" / "landing")
        return LocalLandingZone(root=_or(_from_env("STRATENGINE_LANDING_DIR", resolved), default))
    from dagster_aws.s3 import S3Resource

    from resources.s3_landing_zone import S3LandingZone

    return S3LandingZone(
        bucket=bucket,
        prefix=_or(_from_env("STRATENGINE_LANDING_S3_PREFIX", resolved), ""),
        cache_dir=_or(_from_env("STRATENGINE_S3_CACHE_DIR", resolved), str(project_home() / "data" / "s3_cache")),
        s3=S3Resource(
            endpoint_url=os.environ.get("STRATENGINE_S3_ENDPOINT_URL") or None,
            region_name=os.environ.get("AWS_REGION", "us-east-1"),
        ),
    )


def duckdb_config() -> dict[str, str]:
    """DuckDB's memory_limit and threads from STRATENGINE_DUCKDB_MEMORY_LIMIT (e.g. '4GB') and
    STRATENGINE_DUCKDB_THREADS. The limit defaults to a quarter of the machine's memory, at most 3 GB: DuckDB's own
    default (80%) is a database server's, and here it shares the process with the numpy work, its cache of what it
    read growing until the build's peak was 9.6 GB (5.5 GB under 3 GB, no step slower). Threads: one per core."""
    config = {}
    limit = os.environ.get("STRATENGINE_DUCKDB_MEMORY_LIMIT", "").strip() or default_memory_limit()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", limit):
        raise ValueError(f"STRATENGINE_DUCKDB_MEMORY_LIMIT must be a size like 4GB or 512MB, got {limit!r}")
    config["memory_limit"] = limit
    threads = whole_number("STRATENGINE_DUCKDB_THREADS")
    if threads is not None:
        config["threads"] = str(threads)
    return config


def pass_sessions() -> int:
    """STRATENGINE_PASS_SESSIONS: trading days factors, signals and the factor evaluation build in one pass (a
    longer run builds several, each reading its own look-back); default 504. Memory scales with it, not with the
    history; each pass re-reads a look-back (up to 313 sessions for the models)."""
    return whole_number("STRATENGINE_PASS_SESSIONS") or DEFAULT_PASS_SESSIONS


def usable_cores() -> int:
    """The cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def compute_threads() -> int:
    """STRATENGINE_COMPUTE_THREADS: threads a step runs independent numpy work on (the factor evaluation's series);
    default the cores this process may use. numpy's sorts and array arithmetic run without the GIL, so a second
    thread uses a second core."""
    return whole_number("STRATENGINE_COMPUTE_THREADS") or usable_cores()


def compute_processes() -> int:
    """STRATENGINE_COMPUTE_PROCESSES: processes a step solves independent chains of rebalances on (cvxpy builds its
    problems in Python, under the GIL, so threads would not help); default the cores this process may use."""
    return whole_number("STRATENGINE_COMPUTE_PROCESSES") or usable_cores()


def default_memory_limit() -> str:
    """A quarter of the physical memory, at most DEFAULT_DUCKDB_MEMORY_MB (3 GB), in MB (10^6 bytes, DuckDB's)."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 10**6
    except (AttributeError, ValueError, OSError):
        physical = 4 * DEFAULT_DUCKDB_MEMORY_MB
    return f"{min(DEFAULT_DUCKDB_MEMORY_MB, max(256, physical // 4))}MB"


WAREHOUSE_BACKENDS = ("duckdb", "ducklake")


def warehouse(resolved: bool = False) -> WarehouseResource:
    """STRATENGINE_WAREHOUSE_BACKEND: `duckdb` (default; the file at STRATENGINE_WAREHOUSE) or `ducklake` (catalog
    STRATENGINE_DUCKLAKE_CATALOG, a libpq string; data under STRATENGINE_DUCKLAKE_DATA_PATH, a folder or s3:// with
    STRATENGINE_S3_ENDPOINT_URL, AWS_REGION and the AWS key variables)."""
    backend = os.environ.get("STRATENGINE_WAREHOUSE_BACKEND", "duckdb").strip().lower() or "duckdb"
    if backend not in WAREHOUSE_BACKENDS:
        raise ValueError(f"STRATENGINE_WAREHOUSE_BACKEND must be one of {WAREHOUSE_BACKENDS}, got {backend!r}")
    if backend == "duckdb":
        default = str(project_home() / "data" / "warehouse.duckdb")
        return DuckDBWarehouseResource(
            database=_or(_from_env("STRATENGINE_WAREHOUSE", resolved), default), connection_config=duckdb_config()
        )
    catalog = _from_env("STRATENGINE_DUCKLAKE_CATALOG", resolved)
    if catalog is None:
        raise ValueError("STRATENGINE_WAREHOUSE_BACKEND=ducklake needs STRATENGINE_DUCKLAKE_CATALOG")
    endpoint = os.environ.get("STRATENGINE_S3_ENDPOINT_URL", "")
    secrets = {
        field: _from_env(variable, resolved)
        for field, variable in (("s3_key_id", "AWS_ACCESS_KEY_ID"), ("s3_secret", "AWS_SECRET_ACCESS_KEY"))
    }
    return DuckLakeWarehouseResource(
        catalog=catalog,
        data_path=_or(_from_env("STRATENGINE_DUCKLAKE_DATA_PATH", resolved), str(project_home() / "data" / "lake")),
        connection_config=duckdb_config(),
        s3_endpoint=endpoint.split("://", 1)[-1],
        s3_use_ssl=not endpoint.startswith("http://"),
        s3_region=os.environ.get("AWS_REGION", "us-east-1"),
        **{field: value for field, value in secrets.items() if value is not None},
    )


ALERT_WEBHOOK_VARIABLE = "STRATENGINE_ALERT_WEBHOOK_URL"


def alerts_configured() -> bool:
    """Whether STRATENGINE_ALERT_WEBHOOK_URL is set (the alert sensors start running only then)."""
    return bool(os.environ.get(ALERT_WEBHOOK_VARIABLE, "").strip())


def alert_webhook(resolved: bool = False) -> AlertWebhookResource:
    """The webhook alerts go to, STRATENGINE_ALERT_WEBHOOK_URL, as an EnvVar so the UI shows its name, not its
    token; unset: alerts off."""
    return AlertWebhookResource(url=_from_env(ALERT_WEBHOOK_VARIABLE, resolved))


def _resources(resolved: bool) -> dict[str, ConfigurableResource]:
    return {
        "warehouse": warehouse(resolved),
        "landing_zone": landing_zone(resolved),
        "settings": pipeline_settings(resolved),
        "alerts": alert_webhook(resolved),
    }


def build_resources() -> dict[str, ConfigurableResource]:
    """The code location's resources from the environment, set variables as EnvVars."""
    return _resources(resolved=False)


def resolved_resources() -> dict[str, ConfigurableResource]:
    """The same resources with each variable's value in place, for use outside a run (command line, benchmarks)."""
    return _resources(resolved=True)

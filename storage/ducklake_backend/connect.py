"""Opening a DuckLake warehouse: DuckDB with the lake extensions loaded from their installed packages (they cannot be
INSTALLed from the network here), the lake attached and made the default catalog, its retry settings raised for
several writers."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

CATALOG_NAME = "lake"
# libpq keyword=value pairs (dbname=... host=... user=... port=...), no quotes: the string goes into ATTACH verbatim
_CATALOG = re.compile(r"^(\s*[a-z_]+=[A-Za-z0-9_.\-/:@]+)+\s*$")
_PATH = re.compile(r"^[A-Za-z0-9_.\-/:@+=~ ]+$")
EXTENSIONS = {"ducklake": "duckdb_extension_ducklake", "postgres_scanner": "duckdb_extension_postgres_scanner"}
S3_EXTENSION = {"httpfs": "duckdb_extension_httpfs"}
# several runs commit snapshots to one catalog: a loser retries (DuckLake re-checks it for real conflicts first)
RETRIES = {"ducklake_max_retry_count": 30, "ducklake_retry_wait_ms": 50, "ducklake_retry_backoff": 1.2}  # <= 1 min


@dataclass(frozen=True)
class LakeLocation:
    """Where a DuckLake warehouse lives: its PostgreSQL catalog (libpq keyword=value string) and its data path (a
    folder, or s3://bucket/prefix with the S3 settings)."""

    catalog: str
    data_path: str
    s3_endpoint: str = ""  # host:port of an S3-compatible endpoint; empty for AWS
    s3_region: str = "us-east-1"
    s3_use_ssl: bool = True
    s3_key_id: str = field(default="", repr=False)
    s3_secret: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not _CATALOG.match(self.catalog) or "password=" in self.catalog:
            raise ValueError(
                "the DuckLake catalog must be libpq keyword=value pairs such as 'dbname=lake host=127.0.0.1 "
                "user=postgres' (no quotes; give the password in PGPASSWORD, not here)"
            )
        if not _PATH.match(self.data_path) or ".." in self.data_path.split("/"):
            raise ValueError(f"invalid DuckLake data path {self.data_path!r}")

    @property
    def on_s3(self) -> bool:
        return self.data_path.startswith("s3://")

    def describe(self) -> str:
        return f"DuckLake catalog '{self.catalog}', data at {self.data_path}"


def extension_file(name: str, package: str) -> Path:
    """The extension's file in its installed package, built for the running duckdb."""
    try:
        module = importlib.import_module(package)
    except ImportError as error:
        raise RuntimeError(f"DuckLake needs the {package.replace('_', '-')} package: pip install it") from error
    path = Path(module.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        built = sorted(p.name for p in (Path(module.__file__).parent / "extensions").iterdir())
        raise RuntimeError(f"{package} ships {built}, not one for duckdb {duckdb.__version__}: pin duckdb to match")
    return path


def attach_lake(conn: duckdb.DuckDBPyConnection, location: LakeLocation) -> None:
    """Load the lake extensions on a fresh connection and make the lake (created on first use) its default
    catalog."""
    extensions = {**EXTENSIONS, **(S3_EXTENSION if location.on_s3 else {})}
    for name, package in extensions.items():
        conn.execute(f"LOAD '{extension_file(name, package)}'")
    if location.on_s3:
        _s3_secret(conn, location)
        data_path = location.data_path
    else:
        data_path = str(Path(location.data_path).resolve())
        Path(data_path).mkdir(parents=True, exist_ok=True)
    try:
        conn.execute(
            f"ATTACH 'ducklake:postgres:{location.catalog}' AS {CATALOG_NAME} (DATA_PATH '{data_path.rstrip('/')}/')"
        )
    except duckdb.IOException as error:
        raise catalog_error(error, location) from error
    conn.execute(f"USE {CATALOG_NAME}")
    for setting, value in RETRIES.items():
        conn.execute(f"SET {setting} = {value}")


def catalog_error(error: duckdb.IOException, location: LakeLocation) -> Exception:
    """A one-line reason (and what to do) for a catalog PostgreSQL refused or that does not exist; other errors
    as they are."""
    text = str(error)
    missing = re.search(r'database "([^"]+)" does not exist', text)
    if missing:
        return ValueError(
            f"the DuckLake catalog database {missing.group(1)!r} does not exist on that PostgreSQL server "
            f"({location.describe()}): create it (createdb {missing.group(1)}) or point STRATENGINE_DUCKLAKE_CATALOG "
            "at one that does"
        )
    if "Unable to connect to Postgres" in text:
        reason = text.split("failed:", 1)[-1].strip().splitlines()[0]
        return ValueError(f"cannot reach the DuckLake catalog ({location.describe()}): {reason}")
    return error


def _s3_secret(conn: duckdb.DuckDBPyConnection, location: LakeLocation) -> None:
    """The S3 credentials as a session secret, passed as parameters (never in the SQL text or a log)."""
    endpoint = ", ENDPOINT ?, URL_STYLE 'path'" if location.s3_endpoint else ""
    params = [location.s3_key_id, location.s3_secret, location.s3_region]
    conn.execute(
        f"CREATE OR REPLACE SECRET lake_s3 (TYPE s3, KEY_ID ?, SECRET ?, REGION ?, "
        f"USE_SSL {'true' if location.s3_use_ssl else 'false'}{endpoint})",
        params + ([location.s3_endpoint] if location.s3_endpoint else []),
    )


def is_write_conflict(error: BaseException) -> bool:
    """A commit DuckLake refused because a concurrent transaction changed the same data (the step may run again)."""
    return isinstance(error, duckdb.TransactionException) and "Transaction conflict" in str(error)

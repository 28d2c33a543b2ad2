"""Landing zones: where vendor files arrive, as <dataset>/<vendor>/<file>, on local disk or in S3."""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from dagster import ConfigurableResource

from vendors.layout import DATASETS

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class LandedFile:
    """One file version in a landing zone."""

    key: str
    size: int
    version: str
    modified: float

    @property
    def dataset(self) -> str:
        return self.key.split("/")[0]

    @property
    def vendor(self) -> str:
        return self.key.split("/")[1]

    @property
    def name(self) -> str:
        return self.key.split("/")[2]


def checked_name(name: str, what: str) -> str:
    """Dataset, vendor and file names are plain names: no separators, no '..', no leading dot."""
    if not _NAME.match(name) or ".." in name:
        raise ValueError(f"invalid {what} name {name!r}")
    return name


def landing_key(dataset: str, vendor: str, name: str) -> str:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {DATASETS}")
    return f"{dataset}/{checked_name(vendor, 'vendor')}/{checked_name(name, 'file')}"


def checked_key(key: str) -> str:
    """A key names exactly <dataset>/<vendor>/<file>, each part a plain name."""
    parts = key.split("/")
    if len(parts) != 3:
        raise ValueError(f"landing key {key!r} is not <dataset>/<vendor>/<file>")
    return landing_key(*parts)


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file's bytes (sha256 for the manifest; md5 is what S3 puts in a single-part ETag)."""
    digest = hashlib.new(algorithm, usedforsecurity=False)  # change detection, not security
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class LandingZoneResource(ConfigurableResource):
    """Where vendor files arrive. Subclasses: LocalLandingZone (a folder), S3LandingZone (a bucket prefix)."""

    def describe(self) -> str:
        raise NotImplementedError

    def files(self, dataset: str | None = None) -> list[LandedFile]:
        """Every landed file (of one dataset, or all), sorted by key."""
        raise NotImplementedError

    def local_path(self, landed: LandedFile) -> Path:
        """A local file holding this version's bytes, for the parsers."""
        raise NotImplementedError

    def land(self, source: Path, dataset: str, vendor: str) -> str:
        """Put one local file into the zone unless an identical one is there; returns its key."""
        raise NotImplementedError


class LocalLandingZone(LandingZoneResource):
    """A folder on local disk; a file's version is its size and modification time."""

    root: str

    def describe(self) -> str:
        return str(Path(self.root).resolve())

    def files(self, dataset: str | None = None) -> list[LandedFile]:
        found = []
        for name in [dataset] if dataset else DATASETS:
            base = Path(self.root) / landing_key(name, "x", "x").split("/")[0]
            if not base.is_dir():
                continue
            for vendor_dir in sorted(p for p in base.iterdir() if p.is_dir() and _NAME.match(p.name)):
                for entry in sorted(vendor_dir.iterdir()):
                    if entry.is_file() and _NAME.match(entry.name):
                        stat = entry.stat()
                        key = f"{name}/{vendor_dir.name}/{entry.name}"
                        found.append(LandedFile(key, stat.st_size, f"{stat.st_size}-{stat.st_mtime_ns}", stat.st_mtime))
        return found

    def local_path(self, landed: LandedFile) -> Path:
        return Path(self.root) / checked_key(landed.key)

    def land(self, source: Path, dataset: str, vendor: str) -> str:
        key = landing_key(dataset, vendor, source.name)
        target = Path(self.root) / key
        target.parent.mkdir(parents=True, exist_ok=True)
        same_size = target.exists() and target.stat().st_size == source.stat().st_size
        if same_size and file_digest(target) == file_digest(source):
            return key
        partial = target.with_name(f".{target.name}.partial")  # renamed into place: never seen half-written
        shutil.copyfile(source, partial)
        partial.replace(target)
        return key

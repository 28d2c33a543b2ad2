"""Landing zones: where vendor files arrive, as <dataset>/<vendor>/<file>, on local disk or in S3."""

from __future__ import annotations

import hashlib
import os
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


@dataclass(frozen=True)
class RefusedFile:
    """A file in the landing zone that no layout may read, and why (its key is its path in the zone)."""

    key: str
    problem: str


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


def entry_problem(parts: tuple[str, ...], path: Path | None = None) -> str | None:
    """Why an entry at these path parts below the zone's root is not a landed file (None when it is one)."""
    if path is not None and path.is_symlink():
        return "a symlink: the landing zone takes the files themselves"
    if len(parts) != 3:
        return "not at <dataset>/<vendor>/<file>"
    if parts[0] not in DATASETS:
        return f"unknown dataset folder {parts[0]!r}; expected one of {', '.join(DATASETS)}"
    for part, what in ((parts[1], "vendor folder"), (parts[2], "file")):
        if not _NAME.match(part) or ".." in part:
            return f"{what} name {part!r} is not a plain name (letters, digits, '_', '.', '-', not starting with '.')"
    return None


class LandingZoneResource(ConfigurableResource):
    """Where vendor files arrive. Subclasses: LocalLandingZone (a folder), S3LandingZone (a bucket prefix)."""

    def describe(self) -> str:
        raise NotImplementedError

    def files(self, dataset: str | None = None) -> list[LandedFile]:
        """Every landed file (of one dataset, or all) at a <dataset>/<vendor>/<file> key, sorted by key."""
        raise NotImplementedError

    def refused(self) -> list[RefusedFile]:
        """Every other entry: files outside that layout, names that are not plain, symlinks, nested folders."""
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
        for path, problem in self._entries():
            key = path.relative_to(self.root).as_posix()
            if problem is None and (dataset is None or key.startswith(f"{dataset}/")):
                stat = path.stat()
                found.append(LandedFile(key, stat.st_size, f"{stat.st_size}-{stat.st_mtime_ns}", stat.st_mtime))
        return sorted(found, key=lambda f: f.key)

    def refused(self) -> list[RefusedFile]:
        entries = [(p.relative_to(self.root).as_posix(), why) for p, why in self._entries() if why is not None]
        return [RefusedFile(key, why) for key, why in sorted(entries)]

    def _entries(self) -> list[tuple[Path, str | None]]:
        """(path, problem) of every entry below the root but hidden ones (files being written are dot files);
        symlinked folders are entries, not followed."""
        found = []
        for folder, folders, names in os.walk(self.root):
            here = Path(folder)
            folders[:] = [f for f in folders if not f.startswith(".")]
            linked = [f for f in folders if (here / f).is_symlink()]
            folders[:] = [f for f in folders if f not in linked]
            for name in sorted([*names, *linked]):
                if not name.startswith("."):
                    path = here / name
                    found.append((path, entry_problem(path.relative_to(self.root).parts, path)))
        return found

    def local_path(self, landed: LandedFile) -> Path:
        return Path(self.root) / checked_key(landed.key)

    def land(self, source: Path, dataset: str, vendor: str) -> str:
        if source.is_symlink():
            raise ValueError(f"{source} is a symlink: land the file it points to, by its own path")
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

"""Landing zone on local disk: <root>/<dataset>/<vendor>/<file>, as vendors deliver them."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from dagster import ConfigurableResource

DATASETS = ("prices", "fundamentals", "securities")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class LandedFile:
    path: str
    dataset: str
    vendor: str
    size: int
    mtime_ns: int


def checked_name(name: str, what: str) -> str:
    """Dataset, vendor and file names are plain names: no separators, no '..'."""
    if not _NAME.match(name) or name in {".", ".."}:
        raise ValueError(f"invalid {what} name {name!r}")
    return name


class LandingZoneResource(ConfigurableResource):
    """Where vendor files arrive; a folder on local disk."""

    root: str

    def dataset_dir(self, dataset: str, vendor: str) -> Path:
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}; expected one of {DATASETS}")
        return Path(self.root) / dataset / checked_name(vendor, "vendor")

    def files(self, dataset: str) -> list[LandedFile]:
        """Every file landed for a dataset, all vendors, sorted by path."""
        base = Path(self.root) / dataset
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}")
        if not base.is_dir():
            return []
        found = []
        for path in sorted(p for p in base.glob("*/*") if p.is_file() and not p.name.startswith(".")):
            stat = path.stat()
            found.append(LandedFile(str(path), dataset, path.parent.name, stat.st_size, stat.st_mtime_ns))
        return found

    def land(self, source: Path, dataset: str, vendor: str) -> Path:
        """Copy one file into the zone; an identical file already there is left untouched."""
        target_dir = self.dataset_dir(dataset, vendor)
        target = target_dir / checked_name(source.name, "file")
        target_dir.mkdir(parents=True, exist_ok=True)
        if target.exists() and target.read_bytes() == source.read_bytes():
            return target
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
        return target

"""The landing zone in S3 (dagster-aws S3Resource): s3://<bucket>/<prefix>/<dataset>/<vendor>/<file>."""

from __future__ import annotations

from pathlib import Path

from dagster_aws.s3 import S3Resource

from resources.landing_zone import (
    LandedFile,
    LandingZoneResource,
    RefusedFile,
    checked_key,
    entry_problem,
    file_digest,
    landing_key,
)


class S3LandingZone(LandingZoneResource):
    """A bucket prefix; a file's version is its ETag. Parsers read a local copy cached per ETag."""

    bucket: str
    prefix: str = ""
    cache_dir: str
    s3: S3Resource

    def _object_key(self, key: str) -> str:
        return f"{self.prefix.strip('/')}/{key}" if self.prefix.strip("/") else key

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix.strip('/')}"

    def files(self, dataset: str | None = None) -> list[LandedFile]:
        found = [
            LandedFile(key, item["Size"], item["ETag"].strip('"'), item["LastModified"].timestamp())
            for key, item in self._objects()
            if entry_problem(tuple(key.split("/"))) is None and (dataset is None or key.startswith(f"{dataset}/"))
        ]
        return sorted(found, key=lambda f: f.key)

    def refused(self) -> list[RefusedFile]:
        listed = [(key, entry_problem(tuple(key.split("/")))) for key, _ in self._objects()]
        return sorted(RefusedFile(key, why) for key, why in listed if why is not None)

    def _objects(self) -> list[tuple[str, dict]]:
        """(key below the prefix, listing entry) of every object under the prefix but hidden ones."""
        client, start = self.s3.get_client(), self._object_key("")
        objects = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                key = item["Key"][len(start) :]
                if key and not any(part.startswith(".") for part in key.split("/")):
                    objects.append((key, item))
        return objects

    def local_path(self, landed: LandedFile) -> Path:
        target = Path(self.cache_dir) / landed.version / checked_key(landed.key)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            self.s3.get_client().download_file(self.bucket, self._object_key(landed.key), str(partial))
            partial.replace(target)
        return target

    def land(self, source: Path, dataset: str, vendor: str) -> str:
        key = landing_key(dataset, vendor, source.name)
        client = self.s3.get_client()
        existing = client.list_objects_v2(Bucket=self.bucket, Prefix=self._object_key(key)).get("Contents", [])
        if any(
            o["Key"] == self._object_key(key) and o["ETag"].strip('"') == file_digest(source, "md5") for o in existing
        ):
            return key
        client.upload_file(str(source), self.bucket, self._object_key(key))
        return key

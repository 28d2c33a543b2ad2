"""The landing zone in S3 (dagster-aws S3Resource): s3://<bucket>/<prefix>/<dataset>/<vendor>/<file>."""

from __future__ import annotations

from pathlib import Path

from dagster_aws.s3 import S3Resource

from resources.landing_zone import LandedFile, LandingZoneResource, checked_key, file_digest, landing_key
from vendors.layout import DATASETS


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
        client = self.s3.get_client()
        paginator = client.get_paginator("list_objects_v2")
        found = []
        for name in [dataset] if dataset else DATASETS:
            start = self._object_key(f"{name}/")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", []):
                    key = item["Key"][len(start) - len(name) - 1 :]
                    try:
                        checked_key(key)
                    except ValueError:
                        continue
                    found.append(
                        LandedFile(key, item["Size"], item["ETag"].strip('"'), item["LastModified"].timestamp())
                    )
        return sorted(found, key=lambda f: f.key)

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

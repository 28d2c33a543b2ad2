"""vendor_file_sensor: new or changed vendor files become runs over exactly the partitions they cover."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, sensor
from filelock import Timeout

from partitions import range_tags, tickers_partitions, trading_day_partitions
from quant.calendar import trading_days
from resources.landing_zone import LandedFile, LandingZoneResource
from resources.settings import calendar_start
from resources.warehouse import WarehouseResource
from stratengine_assets.ingestion.jobs import fundamentals_job, reference_job
from stratengine_assets.ingestion.landed_tickers import named_tickers
from stratengine_assets.portfolio.jobs import daily_update_job
from vendors.registry import LAYOUTS


@dataclass
class FileCursor:
    """Files seen so far: the latest modification time, and the keys (with versions) seen at exactly that time."""

    modified: float = 0.0
    seen_at_modified: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, raw: str | None) -> FileCursor:
        return cls(**json.loads(raw)) if raw else cls()

    def dump(self) -> str:
        return json.dumps({"modified": self.modified, "seen_at_modified": sorted(self.seen_at_modified)})

    def is_new(self, landed: LandedFile) -> bool:
        return landed.modified > self.modified or (
            landed.modified == self.modified and f"{landed.key}@{landed.version}" not in self.seen_at_modified
        )

    def advance(self, files: list[LandedFile]) -> FileCursor:
        if not files:
            return self
        latest = max(max(f.modified for f in files), self.modified)
        at_latest = [f"{f.key}@{f.version}" for f in files if f.modified == latest]
        keep = self.seen_at_modified if latest == self.modified else []
        return FileCursor(latest, sorted(set(keep) | set(at_latest)))


def run_key(prefix: str, files: list[LandedFile]) -> str:
    """One key per set of file versions: the same file version never starts two runs."""
    digest = hashlib.sha1("\n".join(sorted(f"{f.key}@{f.version}" for f in files)).encode()).hexdigest()[:16]
    return f"{prefix}:{files[0].key if len(files) == 1 else f'{len(files)} files'}:{digest}"


def partition_span(first: dt.date, last: dt.date, newest: str) -> tuple[str, str] | None:
    """The trading-day partitions inside [first, last] that exist, newest being the latest one."""
    days = trading_days(max(first, calendar_start()), min(last, dt.date.fromisoformat(newest)))
    return (str(days[0].date()), str(days[-1].date())) if len(days) else None


def _price_requests(zone: LandingZoneResource, files: list[LandedFile], log) -> list[RunRequest]:
    """Files covering the same dates share one single-run range; unreadable edges go to the newest day."""
    by_span: dict[tuple[str, str], list[LandedFile]] = defaultdict(list)
    newest = trading_day_partitions.get_last_partition_key()
    for landed in files:
        layout = LAYOUTS.get(landed.vendor)
        edges = layout.date_span(zone.local_path(landed)) if layout and layout.date_span else None
        span = partition_span(*edges, newest) if edges else None
        if span is None:
            log.warning(f"{landed.key}: no dates readable at its edges; raw_prices will record why")
            span = (newest, newest)
        by_span[span].append(landed)
    return [
        RunRequest(run_key=run_key("prices", group), job_name=daily_update_job.name, tags=range_tags(start, end))
        for (start, end), group in sorted(by_span.items())
    ]


def file_requests(
    zone: LandingZoneResource, files: list[LandedFile], known_tickers: list[str], log
) -> tuple[list[RunRequest], list[str]]:
    """Run requests for new file versions, and the tickers to add to the `tickers` partitions first.

    known_tickers is in partition order (new ones are appended), so its ends bound a range over all of them.
    """
    grouped: dict[str, list[LandedFile]] = defaultdict(list)
    for landed in files:
        grouped[landed.dataset].append(landed)
    requests = _price_requests(zone, grouped["prices"], log) if grouped["prices"] else []
    if grouped["securities"]:
        requests.append(RunRequest(run_key=run_key("securities", grouped["securities"]), job_name=reference_job.name))
    new_tickers = sorted(named_tickers(zone, files) - set(known_tickers))
    everyone = [*known_tickers, *new_tickers]
    if grouped["fundamentals"] and everyone:
        requests.append(
            RunRequest(
                run_key=run_key("fundamentals", grouped["fundamentals"]),
                job_name=fundamentals_job.name,
                tags=range_tags(everyone[0], everyone[-1]),
            )
        )
    return requests, new_tickers


MANIFEST_LOCK_SECONDS = 5


def ingested_versions(warehouse: WarehouseResource | None) -> set[str]:
    """key@version of every file already ingested (the demo, `stratengine update`); empty if the warehouse is busy."""
    if warehouse is None:
        return set()
    try:
        with warehouse.session(lock_timeout=MANIFEST_LOCK_SECONDS) as store:
            return store.ingested_versions()
    except Timeout:
        return set()


@sensor(
    jobs=[daily_update_job, reference_job, fundamentals_job],
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
)
def vendor_file_sensor(
    context: SensorEvaluationContext, landing_zone: LandingZoneResource, warehouse: WarehouseResource
) -> SensorResult:
    """New or changed files in the landing zone: add their tickers, then request the partitions they cover.

    Price files the warehouse already ingested at this version (by the demo or `stratengine update`) are
    passed over, so starting the UI after a build does not rebuild history.
    """
    cursor = FileCursor.load(context.cursor)
    unseen = [f for f in landing_zone.files() if cursor.is_new(f)]
    done = ingested_versions(warehouse) if unseen else set()
    new = [f for f in unseen if f"{f.key}@{f.version}" not in done]
    if not new:
        return SensorResult(run_requests=[], cursor=cursor.advance(unseen).dump())
    known = context.instance.get_dynamic_partitions(tickers_partitions.name)
    requests, new_tickers = file_requests(landing_zone, new, known, context.log)
    context.log.info(f"{len(new)} new file versions -> {len(requests)} runs, {len(new_tickers)} new tickers")
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[tickers_partitions.build_add_request(new_tickers)] if new_tickers else [],
        cursor=cursor.advance(unseen).dump(),
    )

"""The Dagster side of the API: recent runs, each asset's last materialization, and out-of-sample simulations
launched as Dagster runs (real runs in the instance, visible in the Dagster UI) and followed by run id."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from dagster import AssetKey, DagsterInstance, DagsterRunStatus

SIMULATION_JOB = "oos_simulation_job"
REQUEST_TAGS = ("stratengine/requested_by", "stratengine/strategy")
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def recent_runs(instance: DagsterInstance, limit: int = 20) -> list[dict[str, Any]]:
    """The latest runs: job, status, what they built (the stratengine/built tag), start and end."""
    out = []
    for record in instance.get_run_records(limit=limit):
        run = record.dagster_run
        out.append(
            {
                "run_id": run.run_id,
                "job": run.job_name,
                "status": run.status.value,
                "built": run.tags.get("stratengine/built") or _selection(run),
                "started": record.start_time,
                "ended": record.end_time,
            }
        )
    return out


def _selection(run) -> str | None:
    """The assets a run selected (a backfill's or the UI's), when no stratengine/built tag says more."""
    keys = sorted(key.to_user_string() for key in run.asset_selection or ())
    return ", ".join(keys) or None


def last_materializations(instance: DagsterInstance, assets: Sequence[str]) -> dict[str, float | None]:
    """Each asset's latest materialization time (epoch seconds), None when never materialized."""
    out = {}
    for name in assets:
        event = instance.get_latest_materialization_event(AssetKey(name))
        out[name] = event.timestamp if event is not None else None
    return out


class SimulationLauncher:
    """Starts the out-of-sample simulation job in a background thread of this process, one at a time: a request
    while one is running gets that run's id back instead of a second run."""

    def __init__(self, instance: DagsterInstance, execute: Callable[[DagsterInstance, str, dict], None]) -> None:
        self.instance, self.execute = instance, execute
        self._lock = threading.Lock()
        self._current: str | None = None

    def launch(self, strategy_id: str, requested_by: str) -> tuple[str, bool]:
        """(run id, whether a new run started)."""
        with self._lock:
            if self._current is not None and not self._finished(self._current):
                return self._current, False
            run_id = str(uuid.uuid4())
            tags = dict(zip(REQUEST_TAGS, (requested_by, strategy_id), strict=True))
            tags["stratengine/built"] = "oos_simulation"
            thread = threading.Thread(target=self.execute, args=(self.instance, run_id, tags), daemon=True)
            self._current = run_id
            thread.start()
            return run_id, True

    def _finished(self, run_id: str) -> bool:
        run = self.instance.get_run_by_id(run_id)
        return run is not None and run.status in FINISHED

    def status(self, run_id: str) -> dict[str, Any] | None:
        """The run's status as Dagster records it; 'queued' before the thread has created it."""
        run = self.instance.get_run_by_id(run_id)
        if run is None:
            return {"run_id": run_id, "status": "QUEUED"} if run_id == self._current else None
        if run.job_name != SIMULATION_JOB:
            return None
        return {
            "run_id": run_id,
            "status": run.status.value,
            "strategy_id": run.tags.get("stratengine/strategy"),
            "requested_by": run.tags.get("stratengine/requested_by"),
            "finished": run.status in FINISHED,
        }

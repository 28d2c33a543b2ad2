"""Running assets from the command line: one Dagster run per asset and partition range, with progress, tagged
with the process that launched it so a later command can tell a run a killed process left behind."""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from dagster import AssetsDefinition, DagsterInstance, DagsterRunStatus, RunsFilter, materialize

from stratengine_assets.backtest.jobs import RESEARCH_ASSETS
from stratengine_assets.definitions import defs

QUIET_RUN = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
PID_TAG, HOST_TAG, BUILT_TAG = "stratengine/pid", "stratengine/host", "stratengine/built"
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
LIVE = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
Say = Callable[[str], None]


@dataclass(frozen=True)
class StepRun:
    """How one run went: its wall time, and why it failed (None when it succeeded)."""

    seconds: float
    error: str | None = None


def built_tag(assets: list[AssetsDefinition], tags: dict) -> str:
    """What a run builds, for the Runs page (the command line's runs are all named __ephemeral_asset_job__)."""
    names = ", ".join(asset.key.to_user_string() for asset in assets)
    first, last = tags.get(RANGE_START), tags.get(RANGE_END)
    return f"{names} [{first} .. {last}]" if first else names


def launcher_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def run_step(
    step: str, assets: list[AssetsDefinition], instance: DagsterInstance, resources: dict, tags: dict, say: Say
) -> StepRun:
    """One run materializing `assets` (over the partition range in `tags`)."""
    started = time.perf_counter()
    say(f"{step} ...")
    result = materialize(
        [*defs.assets, *defs.asset_checks],
        selection=assets,
        instance=instance,
        resources=resources,
        tags={**tags, **launcher_tags(), BUILT_TAG: built_tag(assets, tags)},
        run_config=QUIET_RUN,
        raise_on_error=False,
    )
    elapsed = time.perf_counter() - started
    if not result.success:
        error = "; ".join(_failures(result)) or "the run failed"
        say(f"{step} FAILED after {elapsed:.1f}s: {error}  (run {result.run_id[:8]})")
        return StepRun(elapsed, error)
    say(f"{step} done in {elapsed:.1f}s  {_detail(result)}  (run {result.run_id[:8]})")
    return StepRun(elapsed)


def _detail(result) -> str:
    rows = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        count = materialization.metadata.get("rows")
        if count is not None:
            rows[materialization.asset_key.to_user_string()] = f"{count.value:,} rows"
    checks = [f"{c.check_name} {'passed' if c.passed else 'FAILED'}" for c in result.get_asset_check_evaluations()]
    return ", ".join([*rows.values(), *dict.fromkeys(checks)])


def _failures(result) -> list[str]:
    """The failed steps' messages, the asset's own (a Failure's description) rather than Dagster's wrapping."""
    messages = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error.cause is not None and "Error occurred while executing" in error.message:
            error = error.cause
        first_line = error.message.strip().splitlines()[0]
        messages.append(re.sub(r"^[\w.]+(Error|Failure|Exception): ", "", first_line))
    return messages


def fail_orphaned_runs(instance: DagsterInstance) -> list[str]:
    """Runs this machine's command line started whose process is gone (killed mid-run) end up failed."""
    orphans = []
    for run in instance.get_runs(RunsFilter(statuses=LIVE, tags={HOST_TAG: socket.gethostname()})):
        pid = int(run.tags.get(PID_TAG, "0"))
        if pid and pid != os.getpid() and not _alive(pid):
            instance.report_run_failed(run, f"the process that ran it (pid {pid}) is gone")
            orphans.append(run.run_id)
    return orphans


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_research(instance: DagsterInstance, resources: dict, say: Say) -> dict[str, StepRun]:
    """The in-sample grid and then the out-of-sample simulation, over everything materialized."""
    return {
        asset.key.to_user_string(): run_step(asset.key.to_user_string(), [asset], instance, resources, {}, say)
        for asset in RESEARCH_ASSETS
    }

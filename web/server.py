"""Building the API from the environment and serving it with uvicorn: what `stratengine serve` runs."""

from __future__ import annotations

from collections.abc import Callable

from dagster import DagsterInstance, Definitions, JobDefinition
from fastapi import FastAPI

from resources.settings import ApiSettings, api_settings, build_resources, ensure_dagster_home, resolved_resources
from web.app import create_app
from web.runs import SIMULATION_JOB

QUIET_RUN = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def simulation_job(resources: dict) -> JobDefinition:
    """The out-of-sample simulation job bound to these resources."""
    from stratengine_assets.backtest.jobs import simulation_job as job
    from stratengine_assets.definitions import defs

    bound = Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=[job], resources=resources)
    return bound.resolve_job_def(SIMULATION_JOB)


def executor(resources: dict) -> Callable[[DagsterInstance, str, dict], None]:
    """Runs the simulation job in this process under a given run id and tags (a failure stays in the run)."""

    def execute(instance: DagsterInstance, run_id: str, tags: dict) -> None:
        simulation_job(resources).execute_in_process(
            instance=instance, run_id=run_id, tags=tags, run_config=QUIET_RUN, raise_on_error=False
        )

    return execute


def build_app(settings: ApiSettings | None = None, instance: DagsterInstance | None = None) -> FastAPI:
    """The app over the configured warehouse, strategies and Dagster home."""
    ensure_dagster_home()
    resolved = resolved_resources()
    instance = instance or DagsterInstance.get()
    book = resolved["settings"].strategy_book()
    return create_app(resolved["warehouse"], book, instance, settings or api_settings(), executor(build_resources()))


def serve(settings: ApiSettings | None = None) -> None:
    import uvicorn

    settings = settings or api_settings()
    uvicorn.run(build_app(settings), host=settings.host, port=settings.port, log_level="warning")

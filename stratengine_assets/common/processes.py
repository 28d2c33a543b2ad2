"""Independent pure-Python work of one step on several cores: worker processes, started fresh (spawn), since
cvxpy's problem building holds the GIL. Only what pickles crosses: top-level functions and their arguments.

Spawned workers import the main module of the process that starts them, as every spawn does: a script that runs
the pipeline must keep its work under `if __name__ == "__main__":` (Dagster's own executors ask the same).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from threadpoolctl import threadpool_limits

from resources.settings import compute_processes

PARENT_POLL_SECONDS = 1.0


def _start_worker(parent: int) -> None:
    """A worker's BLAS on one thread (the workers themselves fill the cores), and a watch that ends the worker once
    the process that started it is gone: a step killed with SIGKILL never closes the pool, and its idle workers
    would otherwise wait on their queue for good."""
    threadpool_limits(1)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True, name="parent-watch").start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def process_map(compute: Callable[..., Any], jobs: Sequence[tuple], processes: int | None = None) -> list[Any]:
    """[compute(*job) for job in jobs], on `processes` worker processes (default STRATENGINE_COMPUTE_PROCESSES)
    when there is more than one job; the results in the jobs' order, a job's exception raised here. BLAS runs on
    one thread in a worker and here alike: its sums round by thread count, so a job's result never depends on
    where it ran."""
    processes = compute_processes() if processes is None else processes
    if processes <= 1 or len(jobs) <= 1:
        with threadpool_limits(1):
            return [compute(*job) for job in jobs]
    spawn = multiprocessing.get_context("spawn")
    workers = min(processes, len(jobs))
    with ProcessPoolExecutor(workers, mp_context=spawn, initializer=_start_worker, initargs=(os.getpid(),)) as pool:
        return list(pool.map(compute, *zip(*jobs, strict=True)))

"""Independent numpy work of one step on several cores: threads, since numpy releases the GIL in its loops."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from resources.settings import compute_threads

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(compute: Callable[[T], R], items: Iterable[T], threads: int | None = None) -> Iterator[R]:
    """compute(item) for each item on `threads` threads (default STRATENGINE_COMPUTE_THREADS), the results in the
    items' order. The items are drawn in the calling thread (a warehouse read there stays on its connection), at
    most one more than the threads at a time, so memory holds a few items, not all."""
    threads = compute_threads() if threads is None else threads
    if threads <= 1:
        yield from map(compute, items)
        return
    with ThreadPoolExecutor(threads) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(compute, item))
            if len(pending) > threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

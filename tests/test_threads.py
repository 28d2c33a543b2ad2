"""ordered_map: a step's independent numpy work on several threads, results in order, a few items in flight."""

import threading
import time

import pytest

from resources.settings import compute_threads
from stratengine_assets.common.threads import ordered_map


def test_results_come_in_the_items_order_from_several_threads():
    seen = set()

    def slow_square(x: int) -> int:
        seen.add(threading.get_ident())
        time.sleep(0.02 * (x % 3))
        return x * x

    assert list(ordered_map(slow_square, range(12), threads=3)) == [x * x for x in range(12)]
    assert len(seen) > 1


def test_items_are_drawn_a_few_at_a_time_not_all_at_once():
    drawn, done = [], []

    def items():
        for x in range(10):
            drawn.append(x)
            yield x

    for result in ordered_map(lambda x: x, items(), threads=2):
        done.append(result)
        assert len(drawn) - len(done) <= 2  # at most threads + 1 drawn ahead of what was handed back


def test_an_error_in_one_item_reaches_the_caller():
    def fails_on_three(x: int) -> int:
        if x == 3:
            raise ValueError("item 3")
        return x

    with pytest.raises(ValueError, match="item 3"):
        list(ordered_map(fails_on_three, range(6), threads=2))


def test_the_thread_count_is_a_setting(monkeypatch):
    monkeypatch.setenv("STRATENGINE_COMPUTE_THREADS", "3")
    assert compute_threads() == 3
    monkeypatch.setenv("STRATENGINE_COMPUTE_THREADS", "none")
    with pytest.raises(ValueError, match="STRATENGINE_COMPUTE_THREADS"):
        compute_threads()
    monkeypatch.delenv("STRATENGINE_COMPUTE_THREADS")
    assert compute_threads() >= 1

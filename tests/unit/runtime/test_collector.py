"""After start-up the collector skips the start-up heap, yet still frees cycles made later."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from werkplaats import collector


class Node:
    """An object that can be part of a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_objects_alive_at_start_up_are_frozen_and_the_young_generation_waits_longer(thresholds: None) -> None:
    gc.unfreeze()
    alive_at_start_up = [Node() for _ in range(100)]

    collector.settle_after_start_up()

    assert gc.get_freeze_count() >= len(alive_at_start_up)
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS)


def test_a_cycle_made_after_start_up_is_still_collected(thresholds: None) -> None:
    collector.settle_after_start_up()
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)

    del first, second
    gc.collect()

    assert gone() is None


def test_garbage_left_before_start_up_is_collected_not_frozen(thresholds: None) -> None:
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second

    collector.settle_after_start_up()

    assert gone() is None

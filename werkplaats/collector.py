"""The garbage collector for a long-running service: start-up objects frozen, young ones collected less often.

A service allocates a large heap of long-lived objects at start-up (modules, SQLAlchemy and Pydantic
models, compiled statements) and then many short-lived ones per event. CPython's collector scans the
whole tracked heap on every full collection and the young generation every 700 allocations; frozen,
the start-up heap is never scanned again, and a larger young generation is collected less often.
Reference counting still frees every object that is not part of a cycle, as before.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
"""Allocations (net of deallocations) between collections of the youngest generation (CPython: 700)."""
OLDER_THRESHOLDS = (20, 20)
"""Collections of one generation between collections of the next (CPython: 10, 10)."""


def settle_after_start_up() -> None:
    """Collect start-up's garbage, freeze what is left, and collect the young generation less often.

    Called again (another service in the same process), it only scans what was allocated since.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)

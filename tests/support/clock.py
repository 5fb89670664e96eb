"""A clock a test moves by hand, for use cases that take their time from the context."""

from __future__ import annotations

from datetime import datetime


class MovableClock:
    """Returns ``now``, which the test sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

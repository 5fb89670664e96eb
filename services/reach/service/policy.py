"""The reach service's judgement and clock, shared by its use cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

SERVICE = "reach"
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Policy:
    """The service's judgement: minimum evidence, grace for unknown activities, when reports are due."""

    minimum_reports: int = 3
    pending_grace: timedelta = timedelta(minutes=15)
    report_after: timedelta = timedelta(days=3)
    reminder_window: timedelta = timedelta(days=30)

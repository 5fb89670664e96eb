"""What the sender is given: how to send one delivery, how to prepare a batch, and its limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from notifications.store import NotificationRow

Send = Callable[[NotificationRow], Awaitable[None]]
Prepare = Callable[[Sequence[NotificationRow]], Awaitable[None]]
Remember = Callable[[Mapping[str, str]], None]
"""Keeps webhook secrets already known, by delivery id, for their sends."""


@dataclass(frozen=True)
class SenderPolicy:
    """Batch, lease, concurrency and retry limits of the sender."""

    batch: int = 200
    lease: timedelta = timedelta(seconds=60)
    per_endpoint: int = 8
    ahead: int = 8
    """Deliveries of an endpoint claimed beyond its sends in flight, started as sends end (no claim each)."""
    poll_s: float = 0.5
    retry_base_s: float = 1.0
    retry_max_s: float = 300.0
    budget: timedelta = timedelta(hours=2)
    mark_linger_s: float = 0.1
    """How long a delivered send waits for others to be marked with it, in one transaction."""

    @property
    def held_limit(self) -> int:
        """Deliveries of one endpoint this process may hold at once: in flight plus queued."""
        return self.per_endpoint + self.ahead

"""Deliveries handed to the sender by the commit that decided them: leased when staged, no claim round trip.

A decision stages its deliveries already leased to this process (a token, an expiry, the attempt
counted), so no instance's claim takes them while this one sends them; when the transaction commits,
the staged rows go straight to the sender. A process that dies before sending leaves only leases that
expire: the deliveries are then claimed and sent like any other, under the same delivery ids.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from werkplaats.unit_of_work import UnitOfWork

Staged = dict[str, Any]
"""The column values of one staged delivery."""


@dataclass(frozen=True)
class Lease:
    """Who holds a delivery (a token) and until when."""

    token: str
    until: datetime


class Handoff(Protocol):
    """The side that sends what a decision staged."""

    def lease(self) -> Lease:
        """A new lease for deliveries staged now."""

    def take(self, staged: list[Staged], secrets: dict[str, str | None]) -> None:
        """Send ``staged`` (committed, leased with one of this side's leases), with their webhook secrets."""


@dataclass
class _Transaction:
    lease: Lease
    rows: list[Staged] = field(default_factory=list)
    secrets: dict[str, str | None] = field(default_factory=dict)


class Handoffs:
    """Leases the deliveries each unit of work stages and hands them over once it commits."""

    def __init__(self, handoff: Handoff) -> None:
        self.handoff = handoff
        self._open: weakref.WeakKeyDictionary[UnitOfWork, _Transaction] = weakref.WeakKeyDictionary()

    def stage(self, unit: UnitOfWork, values: Staged, *, secret: str | None = None) -> None:
        """Lease ``values`` to the sender, handed over with its webhook ``secret`` when ``unit`` commits."""
        transaction = self._open.get(unit)
        if transaction is None:
            transaction = self._open[unit] = _Transaction(self.handoff.lease())
            rows, secrets = transaction.rows, transaction.secrets
            unit.after_commit(lambda: self.handoff.take(rows, secrets))
        values.update(lease_token=transaction.lease.token, lease_until=transaction.lease.until, attempts=1)
        transaction.rows.append(values)
        if values["channel"] == "webhook":
            transaction.secrets[values["notification_id"]] = secret

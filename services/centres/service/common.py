"""What every use case shares: who acts, errors, the clock, and sending a warning or reminder once."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from centres.domain.allowance import CapTable
from centres.domain.errors import CentresError
from centres.sealing import Sealer
from centres.store import CentresUnitOfWork

SOURCE = "centres"

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


class NotFoundError(CentresError):
    """The record asked for does not exist (or is not visible to the caller)."""


class OutOfScopeError(CentresError):
    """The acting person may not act on this centre or record."""


class IdConflictError(CentresError):
    """An id given by the caller is already used for something different."""


class ActingRole(StrEnum):
    """On whose behalf an operations key acts (header ``X-Acting-Role``)."""

    STAFF = "staff"
    COORDINATOR = "coordinator"
    COACH = "coach"
    PARTNER = "partner"


@dataclass(frozen=True)
class Actor:
    """Who makes a request: the organisation of the key, and the person it acts for."""

    organisation: str
    role: ActingRole
    centre_id: str | None = None
    person_id: str | None = None

    def check_centre(self, centre_id: str) -> None:
        """Raise unless this actor may manage ``centre_id``."""
        if self.role is ActingRole.STAFF:
            return
        if self.role is ActingRole.COORDINATOR and self.centre_id == centre_id:
            return
        raise OutOfScopeError(f"acting as {self.role} you may not manage centre {centre_id}")

    def check_staff_or_coordinator(self) -> None:
        """Raise unless staff or a coordinator acts."""
        if self.role not in (ActingRole.STAFF, ActingRole.COORDINATOR):
            raise OutOfScopeError(f"acting as {self.role} you may not do this")


@dataclass
class Context:
    """What use cases need besides a unit of work: keys, caps, the clock and the settings they read."""

    sealer: Sealer
    caps: CapTable
    clock: Clock = system_clock
    reminder_days: tuple[int, ...] = (14, 7, 1)
    warning_percents: tuple[int, ...] = (80, 100)


def new_pseudonym(prefix: str) -> str:
    """A random pseudonymous id such as ``vol-3f9a0c2b1d4e``."""
    return f"{prefix}-{secrets.token_hex(6)}"


async def first_time(unit: CentresUnitOfWork, kind: str, key: str, now: datetime) -> bool:
    """Record that ``kind``/``key`` was sent; False when it already was (by this or another instance)."""
    return await unit.sent_once.first_time(kind, key, now)

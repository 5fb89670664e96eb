"""What the use cases share: the builders, the sealer, the clock, the deadline rules."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from contracts import EventData, new_event
from contracts.topics import INITIATIVES_EVENTS
from initiatives.domain.assignment import Builder
from initiatives.domain.workdays import WorkingCalendar
from initiatives.errors import UnknownBuilderError, UnknownInitiativeError
from initiatives.sealing import Sealer
from initiatives.store import InitiativeRow, InitiativesUnitOfWork

SOURCE = "initiatives"
Clock = Callable[[], datetime]


@dataclass
class Context:
    """The configuration every use case reads."""

    builders: Sequence[Builder]
    sealer: Sealer
    first_contact_working_days: int = 5
    contact_retention: timedelta = timedelta(days=365)
    clock: Clock = field(default=lambda: datetime.now(UTC))

    def builder(self, builder_id: str) -> Builder:
        """The configured builder with ``builder_id``."""
        for builder in self.builders:
            if builder.id == builder_id:
                return builder
        known = ", ".join(builder.id for builder in self.builders)
        raise UnknownBuilderError(f"no community builder {builder_id!r}; known: {known}")

    def pseudonym(self, builder_id: str | None) -> str | None:
        """The display pseudonym of a builder, if known."""
        return next((b.pseudonym for b in self.builders if b.id == builder_id), None)


def publish(
    unit: InitiativesUnitOfWork, data: EventData, *, initiative_id: str, correlation_id: str | None = None
) -> None:
    """Publish an initiatives event keyed by its initiative, through the outbox."""
    unit.publish(
        INITIATIVES_EVENTS,
        new_event(data, source=SOURCE, correlation_id=correlation_id),
        key=initiative_id,
    )


async def load(unit: InitiativesUnitOfWork, initiative_id: str, *, lock: bool = True) -> InitiativeRow:
    """The initiative, locked for the rest of the transaction; raises when it does not exist."""
    row = await unit.initiatives.get(initiative_id, lock=lock)
    if row is None:
        raise UnknownInitiativeError(f"no initiative {initiative_id}")
    return row


async def working_calendar(unit: InitiativesUnitOfWork) -> WorkingCalendar:
    """The working calendar with the operations' closed days."""
    return WorkingCalendar(await unit.closed_days.days())


def token_hash(token: str) -> str:
    """The SHA-256 of an access token as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(row: InitiativeRow, token: str) -> bool:
    """Whether ``token`` is the initiative's access token (constant time)."""
    return hmac.compare_digest(row.access_token_sha256, token_hash(token))

"""Operations accept a conflict: the acknowledgement recorded and announced in one transaction.

Errors::

    AcknowledgeError              the conflict cannot be acknowledged
    ├── UnknownConflictError      no conflict with that id in this database
    ├── ConflictResolvedError     the conflict no longer holds
    └── InvalidAcknowledgementError  the reason or organisation is not acceptable
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError

from contracts import ConflictAcknowledged, new_event, problems_of
from contracts.topics import SCHEDULING_CONFLICTS
from scheduling import NAME
from scheduling.domain.errors import SchedulingError
from scheduling.store import SchedulingUnitOfWork


class AcknowledgeError(SchedulingError):
    """A conflict cannot be acknowledged."""


class UnknownConflictError(AcknowledgeError):
    """No conflict with that id is known."""


class ConflictResolvedError(AcknowledgeError):
    """The conflict was resolved; there is nothing left to accept."""


class InvalidAcknowledgementError(AcknowledgeError):
    """The reason or the acknowledging organisation is not acceptable."""


def acknowledgement(conflict_id: str, *, reason: str, by: str) -> ConflictAcknowledged:
    """Return the ``conflict.acknowledged`` payload, or raise InvalidAcknowledgementError."""
    try:
        return ConflictAcknowledged(conflict_id=conflict_id, reason=reason.strip(), acknowledged_by=by)
    except ValidationError as error:
        problems = "; ".join(f"{field}: {problem}" for field, problem in problems_of(error))
        raise InvalidAcknowledgementError(problems) from None


async def acknowledge(
    unit: SchedulingUnitOfWork, conflict_id: str, *, reason: str, by: str, now: datetime | None = None
) -> ConflictAcknowledged:
    """Accept an open conflict: mark its row, stage ``conflict.acknowledged`` in the same transaction."""
    accepted = acknowledgement(conflict_id, reason=reason, by=by)
    row = await unit.conflicts.get_for_update(conflict_id)
    if row is None:
        raise UnknownConflictError(f"no conflict {conflict_id!r} is known")
    if row.status != "open":
        raise ConflictResolvedError(
            f"conflict {conflict_id!r} is {row.status}; only open conflicts can be accepted"
        )
    row.acknowledged, row.acknowledged_by = True, accepted.acknowledged_by
    row.acknowledged_reason, row.acknowledged_at = accepted.reason, now or datetime.now(UTC)
    unit.publish(SCHEDULING_CONFLICTS, new_event(accepted, source=NAME), key=conflict_id)
    return accepted

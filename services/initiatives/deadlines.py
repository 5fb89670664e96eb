"""Deadlines kept: overdue first contacts raised once, and contact data erased after retention."""

from __future__ import annotations

from contracts.initiatives import InitiativeOverdue, InitiativeStatus
from initiatives.context import Context, publish
from initiatives.domain.workdays import local_date
from initiatives.store import InitiativesUnitOfWork, utc

AWAITING_CONTACT = (InitiativeStatus.SUBMITTED.value, InitiativeStatus.IN_INTAKE.value)


async def raise_overdue(context: Context, unit: InitiativesUnitOfWork, *, limit: int = 500) -> int:
    """Raise ``initiative.overdue`` once for each initiative whose first-contact day has ended."""
    today = local_date(context.clock())
    raised = 0
    for row in await unit.initiatives.overdue(AWAITING_CONTACT, today, limit):
        if not await unit.initiatives.claim_overdue(row):
            continue  # another keeper raised it first
        raised += 1
        publish(
            unit,
            InitiativeOverdue(
                initiative_id=row.initiative_id,
                builder_id=row.builder_id or "",
                wijk=row.wijk,
                due=row.first_contact_due,
                submitted_at=utc(row.submitted_at),
            ),
            initiative_id=row.initiative_id,
        )
    return raised

"""Deadlines kept: overdue first contacts raised once, and contact data erased after retention."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from contracts.initiatives import InitiativeOverdue, InitiativeStatus
from initiatives.context import Context, publish
from initiatives.domain.workdays import local_date
from initiatives.store import InitiativeRow, InitiativesUnitOfWork, utc

AWAITING_CONTACT = (InitiativeStatus.SUBMITTED.value, InitiativeStatus.IN_INTAKE.value)


async def raise_overdue(context: Context, unit: InitiativesUnitOfWork, *, limit: int = 500) -> int:
    """Raise ``initiative.overdue`` once for each initiative whose first-contact day has ended."""
    today = local_date(context.clock())
    query = (
        select(InitiativeRow)
        .where(
            InitiativeRow.status.in_(AWAITING_CONTACT),
            InitiativeRow.first_contact_at.is_(None),
            InitiativeRow.first_contact_due < today,
            InitiativeRow.overdue_raised_for.is_(None),
            InitiativeRow.builder_id.is_not(None),
        )
        .order_by(InitiativeRow.first_contact_due, InitiativeRow.initiative_id)
        .limit(limit)
    )
    if unit.is_postgres:
        query = query.with_for_update(skip_locked=True)
    rows = (await unit.session.scalars(query)).all()
    raised = 0
    for row in rows:
        claimed = await unit.session.execute(
            update(InitiativeRow)
            .where(
                InitiativeRow.initiative_id == row.initiative_id, InitiativeRow.overdue_raised_for.is_(None)
            )
            .values(overdue_raised_for=row.first_contact_due)
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], claimed).rowcount != 1:
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

"""The initiator's rights: an export of what is held, erasure on request and after the retention period."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from initiatives.context import Context, load
from initiatives.store import InitiativeRow, InitiativesUnitOfWork, MilestoneRow, SupportEntryRow, utc

ERASED = "[verwijderd]"


async def export(context: Context, unit: InitiativesUnitOfWork, initiative_id: str) -> dict[str, Any]:
    """Everything held about an initiative and its initiator, readable."""
    row = await load(unit, initiative_id, lock=False)
    entries = await unit.session.scalars(
        select(SupportEntryRow)
        .where(SupportEntryRow.initiative_id == initiative_id)
        .order_by(SupportEntryRow.on)
    )
    milestones = await unit.session.scalars(
        select(MilestoneRow).where(MilestoneRow.initiative_id == initiative_id)
    )
    return {
        "initiative_id": row.initiative_id,
        "status": row.status,
        "submitted_at": utc(row.submitted_at).isoformat(),
        "channel": row.channel,
        "neighbourhoods": row.neighbourhoods,
        "details": context.sealer.open(row.details),
        "initiator": context.sealer.open(row.contact),
        "explanation": context.sealer.open(row.explanation).get("explanation"),
        "contact_erased_at": utc(row.contact_erased_at).isoformat() if row.contact_erased_at else None,
        "support_log": [
            {
                "on": entry.on.isoformat(),
                "kind": entry.kind,
                "hours": entry.hours,
                "by": entry.by,
                "notes": context.sealer.open(entry.notes).get("notes"),
            }
            for entry in entries.all()
        ],
        "milestones": [
            {"title": m.title, "due_on": m.due_on and m.due_on.isoformat()} for m in milestones.all()
        ],
    }


async def erase(
    context: Context, unit: InitiativesUnitOfWork, initiative_id: str, *, everything: bool
) -> None:
    """Erase the initiator's contact data; with ``everything``, also the texts and support notes."""
    row = await load(unit, initiative_id)
    _erase_contact(context, row)
    if everything:
        row.details = context.sealer.seal({"title": ERASED, "description": ERASED, "for_whom": None})
        row.explanation = None
        entries = await unit.session.scalars(
            select(SupportEntryRow).where(SupportEntryRow.initiative_id == initiative_id)
        )
        for entry in entries.all():
            entry.notes = None


def _erase_contact(context: Context, row: InitiativeRow) -> None:
    row.contact = None
    row.contact_erased_at = context.clock()


async def erase_expired(context: Context, unit: InitiativesUnitOfWork, *, limit: int = 500) -> int:
    """Erase the contact data of initiatives closed longer ago than the retention period."""
    cutoff = context.clock() - context.contact_retention
    rows = (
        await unit.session.scalars(
            select(InitiativeRow)
            .where(
                InitiativeRow.closed_at.is_not(None),
                InitiativeRow.closed_at <= cutoff,
                InitiativeRow.contact.is_not(None),
            )
            .limit(limit)
        )
    ).all()
    for row in rows:
        _erase_contact(context, row)
    return len(rows)

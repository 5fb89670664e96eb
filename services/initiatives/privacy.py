"""The initiator's rights: an export of what is held, erasure on request and after the retention period."""

from __future__ import annotations

from typing import Any

from initiatives.context import Context, load
from initiatives.store import InitiativeRow, InitiativesUnitOfWork, utc

ERASED = "[verwijderd]"


async def export(context: Context, unit: InitiativesUnitOfWork, initiative_id: str) -> dict[str, Any]:
    """Everything held about an initiative and its initiator, readable."""
    row = await load(unit, initiative_id, lock=False)
    entries = await unit.support_log.of(initiative_id)
    milestones = await unit.milestones.of(initiative_id)
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
            for entry in entries
        ],
        "milestones": [{"title": m.title, "due_on": m.due_on and m.due_on.isoformat()} for m in milestones],
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
        for entry in await unit.support_log.of(initiative_id):
            entry.notes = None


def _erase_contact(context: Context, row: InitiativeRow) -> None:
    row.contact = None
    row.contact_erased_at = context.clock()


async def erase_expired(context: Context, unit: InitiativesUnitOfWork, *, limit: int = 500) -> int:
    """Erase the contact data of initiatives closed longer ago than the retention period."""
    cutoff = context.clock() - context.contact_retention
    rows = await unit.initiatives.expired_contacts(cutoff, limit)
    for row in rows:
        _erase_contact(context, row)
    return len(rows)

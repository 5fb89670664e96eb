"""Read models: an initiative for staff, its status for the initiator, lists and the programme report."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from initiatives.context import Context, token_matches
from initiatives.errors import UnknownInitiativeError
from initiatives.store import (
    ActivityRow,
    AttachedConflictRow,
    InitiativeRow,
    MilestoneRow,
    SubsidyCheckRow,
    SupportEntryRow,
    utc,
)

REPORT_COLUMNS = ("dimension", "value", "initiatives")


def summary(context: Context, row: InitiativeRow) -> dict[str, Any]:
    """An initiative as staff see it in a list (title decrypted, no contact data)."""
    details = context.sealer.open(row.details)
    return {
        "initiative_id": row.initiative_id,
        "title": details.get("title"),
        "status": row.status,
        "wijk": row.wijk,
        "neighbourhoods": row.neighbourhoods,
        "themes": row.themes,
        "help_wanted": row.help_wanted,
        "builder_id": row.builder_id,
        "builder": context.pseudonym(row.builder_id),
        "channel": row.channel,
        "submitted_at": utc(row.submitted_at).isoformat(),
        "first_contact_due": row.first_contact_due.isoformat(),
        "first_contact_at": utc(row.first_contact_at).isoformat() if row.first_contact_at else None,
        "overdue": row.overdue_raised_for is not None and row.first_contact_at is None,
    }


async def list_initiatives(
    context: Context,
    session: AsyncSession,
    *,
    status: str | None = None,
    wijk: str | None = None,
    builder_id: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Initiatives, newest first, filtered."""
    query = select(InitiativeRow).order_by(InitiativeRow.submitted_at.desc(), InitiativeRow.initiative_id)
    if status:
        query = query.where(InitiativeRow.status == status)
    if wijk:
        query = query.where(InitiativeRow.wijk == wijk)
    if builder_id:
        query = query.where(InitiativeRow.builder_id == builder_id)
    rows = await session.scalars(query.limit(limit).offset(offset))
    return [summary(context, row) for row in rows.all()]


async def _get(session: AsyncSession, initiative_id: str) -> InitiativeRow:
    row = await session.get(InitiativeRow, initiative_id)
    if row is None:
        raise UnknownInitiativeError(f"no initiative {initiative_id}")
    return row


async def detail(context: Context, session: AsyncSession, initiative_id: str) -> dict[str, Any]:
    """Everything staff need to support the initiative, contact data included."""
    row = await _get(session, initiative_id)
    entries = await session.scalars(
        select(SupportEntryRow)
        .where(SupportEntryRow.initiative_id == initiative_id)
        .order_by(SupportEntryRow.on)
    )
    milestones = await session.scalars(
        select(MilestoneRow).where(MilestoneRow.initiative_id == initiative_id)
    )
    activities = await session.scalars(select(ActivityRow).where(ActivityRow.initiative_id == initiative_id))
    conflicts = await session.scalars(
        select(AttachedConflictRow).where(AttachedConflictRow.initiative_id == initiative_id)
    )
    check = await session.get(SubsidyCheckRow, initiative_id)
    return summary(context, row) | {
        "details": context.sealer.open(row.details),
        "initiator": context.sealer.open(row.contact) or None,
        "estimated_budget_eur": row.estimated_budget_eur,
        "legal_entity": row.legal_entity,
        "scale": row.scale,
        "target_groups": row.target_groups,
        "status_reason": row.status_reason,
        "explanation": context.sealer.open(row.explanation).get("explanation"),
        "merged_into": row.merged_into,
        "support_log": [
            {
                "entry_id": e.entry_id,
                "kind": e.kind,
                "hours": e.hours,
                "by": e.by,
                "on": e.on.isoformat(),
                "referred_to": e.referred_to,
                "notes": context.sealer.open(e.notes).get("notes"),
            }
            for e in entries.all()
        ],
        "milestones": [_milestone(m) for m in milestones.all()],
        "activities": [a.data | {"withdrawn": a.withdrawn} for a in activities.all()],
        "conflicts": [
            {
                "conflict_id": c.conflict_id,
                "activity_id": c.activity_id,
                "rule": c.rule,
                "severity": c.severity,
                "explanation": {"nl": c.explanation_nl, "en": c.explanation_en},
                "resolved": c.resolved,
            }
            for c in conflicts.all()
        ],
        "subsidy_check": None
        if check is None
        else {"checked_on": check.checked_on.isoformat(), "best": check.best, "results": check.results},
    }


def _milestone(milestone: MilestoneRow) -> dict[str, Any]:
    return {
        "milestone_id": milestone.milestone_id,
        "title": milestone.title,
        "due_on": milestone.due_on.isoformat() if milestone.due_on else None,
        "reached_on": milestone.reached_on.isoformat() if milestone.reached_on else None,
    }


async def contact_address(
    context: Context, session: AsyncSession, initiative_id: str
) -> dict[str, str | None]:
    """The initiator's e-mail address only (None once erased or never given)."""
    row = await _get(session, initiative_id)
    return {"initiative_id": initiative_id, "email": context.sealer.open(row.contact).get("email")}


async def for_initiator(
    context: Context, session: AsyncSession, initiative_id: str, token: str
) -> dict[str, Any]:
    """What the initiator reads: status, who helps, the deadline, milestones, and any explanation."""
    row = await session.get(InitiativeRow, initiative_id)
    if row is None or not token_matches(row, token):
        raise UnknownInitiativeError("no initiative with this reference and access token")
    milestones = await session.scalars(
        select(MilestoneRow).where(MilestoneRow.initiative_id == initiative_id)
    )
    return {
        "initiative_id": row.initiative_id,
        "title": context.sealer.open(row.details).get("title"),
        "status": row.status,
        "builder": context.pseudonym(row.builder_id),
        "first_contact_due": row.first_contact_due.isoformat(),
        "contacted": row.first_contact_at is not None,
        "reason": row.status_reason,
        "explanation": context.sealer.open(row.explanation).get("explanation"),
        "merged_into": row.merged_into,
        "milestones": [_milestone(m) for m in milestones.all()],
    }


async def authorise_initiator(session: AsyncSession, initiative_id: str, token: str) -> None:
    """Raise unless ``token`` is the initiative's access token."""
    row = await session.get(InitiativeRow, initiative_id)
    if row is None or not token_matches(row, token):
        raise UnknownInitiativeError("no initiative with this reference and access token")


async def report(session: AsyncSession) -> dict[str, Any]:
    """The programme's figures: counts per wijk, theme, status, builder; contact times; hours; subsidies."""
    rows = (await session.scalars(select(InitiativeRow))).all()
    hours = (await session.execute(select(SupportEntryRow.initiative_id, SupportEntryRow.hours))).all()
    checks = (await session.scalars(select(SubsidyCheckRow))).all()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts["wijk"][row.wijk] += 1
        counts["status"][row.status] += 1
        counts["builder"][row.builder_id or "-"] += 1
        counts["channel"][row.channel] += 1
        for theme in row.themes or ["-"]:
            counts["theme"][theme] += 1
    waits = sorted(
        (utc(row.first_contact_at) - utc(row.submitted_at))
        for row in rows
        if row.first_contact_at is not None
    )
    found = [check for check in checks if check.best]
    return {
        "initiatives": len(rows),
        "per": {dimension: dict(sorted(counter.items())) for dimension, counter in sorted(counts.items())},
        "first_contact": {
            "contacted": len(waits),
            "median_days": _days(waits[len(waits) // 2]) if waits else None,
            "max_days": _days(waits[-1]) if waits else None,
            "overdue": sum(1 for row in rows if row.overdue_raised_for is not None),
        },
        "support_hours": round(sum(hours_ for _, hours_ in hours), 2),
        "subsidies_found": {
            "initiatives": len(found),
            "maximum_eur": round(
                sum(
                    next((r["maximum_eur"] for r in check.results if r["regulation_id"] == check.best), 0)
                    for check in found
                ),
                2,
            ),
        },
    }


def _days(wait: timedelta) -> float:
    return round(wait.total_seconds() / 86400, 1)


def report_csv(figures: dict[str, Any]) -> str:
    """The report's counts as CSV: dimension, value, initiatives."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerow(("total", "all", figures["initiatives"]))
    for dimension, counter in figures["per"].items():
        for value, count in counter.items():
            writer.writerow((dimension, value, count))
    contact = figures["first_contact"]
    writer.writerow(("first_contact", "median_days", contact["median_days"]))
    writer.writerow(("first_contact", "overdue", contact["overdue"]))
    writer.writerow(("support", "hours", figures["support_hours"]))
    writer.writerow(("subsidies", "initiatives", figures["subsidies_found"]["initiatives"]))
    writer.writerow(("subsidies", "maximum_eur", figures["subsidies_found"]["maximum_eur"]))
    return out.getvalue()

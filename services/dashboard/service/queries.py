"""Reading the read model for the pages: open conflicts, one conflict whole, the agenda of a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.domain import SEVERITY_ORDER, AgendaFilter, Person, Role
from dashboard.store import ActivityRow, ConflictActivityRow, ConflictEventRow, ConflictRow, OccurrenceRow


@dataclass(frozen=True)
class ConflictView:
    """A conflict with the activities it joins and its history."""

    row: ConflictRow
    activities: list[ActivityRow | None]
    history: list[ConflictEventRow]


@dataclass(frozen=True)
class AgendaEntry:
    """One occurrence on the agenda, with its activity and whether it is in an open conflict."""

    starts_at: datetime
    ends_at: datetime
    activity: ActivityRow
    conflict_ids: list[str] = field(default_factory=list)


async def centre_conflict_ids(session: AsyncSession, centre_id: str) -> set[str]:
    """Conflicts in which an activity at ``centre_id`` takes part."""
    rows = await session.scalars(
        select(ConflictActivityRow.conflict_id)
        .join(
            ActivityRow,
            and_(
                ActivityRow.organisation == ConflictActivityRow.organisation,
                ActivityRow.activity_id == ConflictActivityRow.activity_id,
            ),
        )
        .where(ActivityRow.venue_id == centre_id)
    )
    return set(rows)


async def may_see_conflict(session: AsyncSession, person: Person, conflict_id: str) -> bool:
    """Coordinators see the conflicts at their centre; the others see every conflict."""
    if person.role is not Role.COORDINATOR:
        return True
    return conflict_id in await centre_conflict_ids(session, person.centre_id or "")


async def open_conflicts(session: AsyncSession, person: Person) -> list[ConflictRow]:
    """Open conflicts the person may see, by severity and then by start."""
    statement = select(ConflictRow).where(ConflictRow.status == "open")
    if person.role is Role.COORDINATOR:
        statement = statement.where(
            ConflictRow.conflict_id.in_(await centre_conflict_ids(session, person.centre_id or ""))
        )
    rows = list(await session.scalars(statement))
    return sorted(rows, key=lambda row: (SEVERITY_ORDER.get(row.severity, 9), row.starts_at, row.conflict_id))


async def conflicts_by_id(session: AsyncSession, conflict_ids: Sequence[str]) -> dict[str, ConflictRow]:
    """The conflicts with these ids."""
    if not conflict_ids:
        return {}
    rows = await session.scalars(select(ConflictRow).where(ConflictRow.conflict_id.in_(set(conflict_ids))))
    return {row.conflict_id: row for row in rows}


async def conflict_view(session: AsyncSession, conflict_id: str) -> ConflictView | None:
    """A conflict whole, or None when the dashboard has not heard of it."""
    row = await session.get(ConflictRow, conflict_id)
    if row is None:
        return None
    activities = []
    for item in row.detected.get("activities", []):
        activities.append(await session.get(ActivityRow, (item["organisation"], item["activity_id"])))
    history = await session.scalars(
        select(ConflictEventRow)
        .where(ConflictEventRow.conflict_id == conflict_id)
        .order_by(ConflictEventRow.id)
    )
    return ConflictView(row, activities, list(history))


async def agenda(
    session: AsyncSession, wanted: AgendaFilter, start: datetime, end: datetime
) -> list[AgendaEntry]:
    """Occurrences starting in ``[start, end)`` that pass the filter, in order, conflicts marked."""
    rows = await session.execute(
        select(OccurrenceRow, ActivityRow)
        .join(
            ActivityRow,
            and_(
                ActivityRow.organisation == OccurrenceRow.organisation,
                ActivityRow.activity_id == OccurrenceRow.activity_id,
            ),
        )
        .where(OccurrenceRow.starts_at >= start, OccurrenceRow.starts_at < end)
        .order_by(OccurrenceRow.starts_at, OccurrenceRow.organisation, OccurrenceRow.activity_id)
    )
    found = [
        (occurrence, activity)
        for occurrence, activity in rows
        if wanted.admits(activity.organisation, activity.kind, activity.wijken, activity.target_groups)
    ]
    marked = await _open_conflicts_of(session, {(a.organisation, a.activity_id) for _, a in found})
    return [
        AgendaEntry(
            _aware(o.starts_at), _aware(o.ends_at), a, sorted(marked.get((a.organisation, a.activity_id), ()))
        )
        for o, a in found
    ]


async def _open_conflicts_of(
    session: AsyncSession, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], set[str]]:
    if not keys:
        return {}
    rows = await session.execute(
        select(ConflictActivityRow.organisation, ConflictActivityRow.activity_id, ConflictRow.conflict_id)
        .join(ConflictRow, ConflictRow.conflict_id == ConflictActivityRow.conflict_id)
        .where(ConflictRow.status == "open")
    )
    marked: dict[tuple[str, str], set[str]] = {}
    for organisation, activity_id, conflict_id in rows:
        if (organisation, activity_id) in keys:
            marked.setdefault((organisation, activity_id), set()).add(conflict_id)
    return marked


async def organisations(session: AsyncSession) -> list[str]:
    """Every organisation with an activity on the agenda."""
    return sorted(set(await session.scalars(select(ActivityRow.organisation).distinct())))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def as_dict(row: ActivityRow) -> dict[str, Any]:
    """The activity as its organiser published it."""
    return dict(row.data.get("activity", {}))

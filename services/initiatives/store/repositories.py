"""The initiatives repositories: what the use cases read and change, as Protocols and on SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, false, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from initiatives.store.tables import (
    ActivityRow,
    AttachedConflictRow,
    ClosedDayRow,
    InitiativeRow,
    MilestoneRow,
    SentReminderRow,
    SubsidyCheckRow,
    SupportEntryRow,
)
from werkplaats.db import insert_new

ASSIGNMENT_LOCK_ID = 0x696E6974  # PostgreSQL advisory lock: assignments read and raise loads one at a time


class Initiatives(Protocol):
    """Initiatives by reference, and the questions the deadlines ask of all of them."""

    async def get(self, initiative_id: str, *, lock: bool) -> InitiativeRow | None:
        """The initiative (locked for the rest of the transaction with ``lock``), or None."""

    def add(self, row: InitiativeRow) -> None:
        """Store a new initiative."""

    async def lock_assignments(self) -> None:
        """Serialise assignments: concurrent submissions see each other's loads."""

    async def open_loads(self, open_statuses: Collection[str]) -> dict[str, int]:
        """Initiatives in ``open_statuses`` per builder."""

    async def overdue(self, statuses: Collection[str], today: date, limit: int) -> list[InitiativeRow]:
        """Assigned, in ``statuses``, without first contact, due before ``today``, not yet raised."""

    async def claim_overdue(self, row: InitiativeRow) -> bool:
        """Mark the overdue first contact raised; False when another keeper did so first."""

    async def expired_contacts(self, cutoff: datetime, limit: int) -> list[InitiativeRow]:
        """Initiatives closed at or before ``cutoff`` that still hold contact data."""

    async def checked(self, statuses: Collection[str]) -> list[tuple[InitiativeRow, SubsidyCheckRow]]:
        """Initiatives in ``statuses`` with their last subsidy check."""


class SupportLog(Protocol):
    """The support log's entries."""

    def add(self, row: SupportEntryRow) -> None:
        """Append an entry."""

    async def of(self, initiative_id: str) -> list[SupportEntryRow]:
        """An initiative's entries, oldest first."""


class Milestones(Protocol):
    """Initiatives' milestones."""

    def add(self, row: MilestoneRow) -> None:
        """Plan a milestone."""

    async def get(self, milestone_id: str) -> MilestoneRow | None:
        """The milestone, or None."""

    async def of(self, initiative_id: str) -> list[MilestoneRow]:
        """An initiative's milestones."""


class Activities(Protocol):
    """Initiatives' planned activities as published into the shared agenda."""

    async def get(self, activity_id: str) -> ActivityRow | None:
        """The activity, or None."""

    async def put(self, row: ActivityRow) -> None:
        """Create or replace an activity."""

    async def of(self, initiative_id: str) -> list[ActivityRow]:
        """An initiative's activities, withdrawn ones included."""


class AttachedConflicts(Protocol):
    """Conflicts of the shared agenda attached to initiatives' activities."""

    async def get(self, conflict_id: str, activity_id: str) -> AttachedConflictRow | None:
        """The attachment, or None."""

    async def put(self, row: AttachedConflictRow) -> None:
        """Create or replace an attachment."""

    async def unresolved(self, conflict_id: str) -> list[AttachedConflictRow]:
        """The attachments of a conflict not yet resolved."""


class SubsidyChecks(Protocol):
    """The last subsidy check of each initiative."""

    async def put(self, row: SubsidyCheckRow) -> None:
        """Keep the check (replacing the one before)."""


class ClosedDays(Protocol):
    """The days the Werkplaats is closed."""

    async def days(self) -> list[date]:
        """Every closed day."""

    async def close(self, day: date, reason: str) -> None:
        """Close ``day`` (or change its reason)."""

    async def reopen(self, day: date) -> None:
        """Open ``day`` again, if it was closed."""


class SentReminders(Protocol):
    """Keys of the subsidy reminders sent."""

    async def first_time(self, key: str, initiative_id: str, now: datetime) -> bool:
        """Record the reminder ``key``; False when it was sent before (by this or another keeper)."""


class SqlInitiatives:
    """Initiatives in the service's database; locks rows on PostgreSQL, the database on SQLite."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.is_postgres = session.get_bind().dialect.name == "postgresql"

    async def get(self, initiative_id: str, *, lock: bool) -> InitiativeRow | None:
        """The initiative; PostgreSQL locks the row, SQLite takes its write lock with a no-op update."""
        if lock and not self.is_postgres:
            await self.session.execute(
                update(InitiativeRow)
                .where(InitiativeRow.initiative_id == initiative_id)
                .values(updated_at=InitiativeRow.updated_at)
                .execution_options(synchronize_session=False)
            )
        return await self.session.get(
            InitiativeRow, initiative_id, with_for_update=(lock and self.is_postgres) or None
        )

    def add(self, row: InitiativeRow) -> None:
        """Store a new initiative."""
        self.session.add(row)

    async def lock_assignments(self) -> None:
        """An advisory lock on PostgreSQL; on SQLite a write statement takes the write lock."""
        if self.is_postgres:
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ASSIGNMENT_LOCK_ID})
        else:
            await self.session.execute(
                update(InitiativeRow).where(false()).values(status=InitiativeRow.status)
            )

    async def open_loads(self, open_statuses: Collection[str]) -> dict[str, int]:
        """Initiatives in ``open_statuses`` per builder."""
        rows = await self.session.execute(
            select(InitiativeRow.builder_id, func.count())
            .where(InitiativeRow.status.in_(sorted(open_statuses)), InitiativeRow.builder_id.is_not(None))
            .group_by(InitiativeRow.builder_id)
        )
        return {str(builder): int(count) for builder, count in rows.all()}

    async def overdue(self, statuses: Collection[str], today: date, limit: int) -> list[InitiativeRow]:
        """Candidates, oldest deadline first; PostgreSQL skips rows another keeper holds."""
        query = (
            select(InitiativeRow)
            .where(
                InitiativeRow.status.in_(sorted(statuses)),
                InitiativeRow.first_contact_at.is_(None),
                InitiativeRow.first_contact_due < today,
                InitiativeRow.overdue_raised_for.is_(None),
                InitiativeRow.builder_id.is_not(None),
            )
            .order_by(InitiativeRow.first_contact_due, InitiativeRow.initiative_id)
            .limit(limit)
        )
        if self.is_postgres:
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.scalars(query)).all())

    async def claim_overdue(self, row: InitiativeRow) -> bool:
        """Set ``overdue_raised_for`` where it is still unset."""
        claimed = await self.session.execute(
            update(InitiativeRow)
            .where(
                InitiativeRow.initiative_id == row.initiative_id, InitiativeRow.overdue_raised_for.is_(None)
            )
            .values(overdue_raised_for=row.first_contact_due)
            .execution_options(synchronize_session=False)
        )
        return cast(CursorResult[Any], claimed).rowcount == 1

    async def expired_contacts(self, cutoff: datetime, limit: int) -> list[InitiativeRow]:
        """Closed at or before ``cutoff``, contact data still held."""
        query = (
            select(InitiativeRow)
            .where(
                InitiativeRow.closed_at.is_not(None),
                InitiativeRow.closed_at <= cutoff,
                InitiativeRow.contact.is_not(None),
            )
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def checked(self, statuses: Collection[str]) -> list[tuple[InitiativeRow, SubsidyCheckRow]]:
        """Initiatives in ``statuses`` joined with their subsidy check."""
        rows = await self.session.execute(
            select(InitiativeRow, SubsidyCheckRow)
            .join(SubsidyCheckRow, SubsidyCheckRow.initiative_id == InitiativeRow.initiative_id)
            .where(InitiativeRow.status.in_(sorted(statuses)))
            .order_by(InitiativeRow.initiative_id)
        )
        return [(row[0], row[1]) for row in rows.all()]


class SqlSupportLog:
    """The support log in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: SupportEntryRow) -> None:
        """Append an entry."""
        self.session.add(row)

    async def of(self, initiative_id: str) -> list[SupportEntryRow]:
        """An initiative's entries, oldest first."""
        rows = await self.session.scalars(
            select(SupportEntryRow)
            .where(SupportEntryRow.initiative_id == initiative_id)
            .order_by(SupportEntryRow.on)
        )
        return list(rows.all())


class SqlMilestones:
    """Milestones in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: MilestoneRow) -> None:
        """Plan a milestone."""
        self.session.add(row)

    async def get(self, milestone_id: str) -> MilestoneRow | None:
        """The milestone, or None."""
        return await self.session.get(MilestoneRow, milestone_id)

    async def of(self, initiative_id: str) -> list[MilestoneRow]:
        """An initiative's milestones."""
        rows = await self.session.scalars(
            select(MilestoneRow).where(MilestoneRow.initiative_id == initiative_id)
        )
        return list(rows.all())


class SqlActivities:
    """Activities in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, activity_id: str) -> ActivityRow | None:
        """The activity, or None."""
        return await self.session.get(ActivityRow, activity_id)

    async def put(self, row: ActivityRow) -> None:
        """Create or replace an activity."""
        await self.session.merge(row)

    async def of(self, initiative_id: str) -> list[ActivityRow]:
        """An initiative's activities."""
        rows = await self.session.scalars(
            select(ActivityRow)
            .where(ActivityRow.initiative_id == initiative_id)
            .order_by(ActivityRow.activity_id)
        )
        return list(rows.all())


class SqlAttachedConflicts:
    """Attached conflicts in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, conflict_id: str, activity_id: str) -> AttachedConflictRow | None:
        """The attachment, or None."""
        key = {"conflict_id": conflict_id, "activity_id": activity_id}
        return await self.session.get(AttachedConflictRow, key)

    async def put(self, row: AttachedConflictRow) -> None:
        """Create or replace an attachment."""
        await self.session.merge(row)

    async def unresolved(self, conflict_id: str) -> list[AttachedConflictRow]:
        """The attachments of a conflict not yet resolved."""
        rows = await self.session.scalars(
            select(AttachedConflictRow).where(
                AttachedConflictRow.conflict_id == conflict_id, AttachedConflictRow.resolved.is_(False)
            )
        )
        return list(rows.all())


class SqlSubsidyChecks:
    """Subsidy checks in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, row: SubsidyCheckRow) -> None:
        """Keep the check (replacing the one before)."""
        await self.session.merge(row)


class SqlClosedDays:
    """Closed days in the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def days(self) -> list[date]:
        """Every closed day."""
        return list((await self.session.scalars(select(ClosedDayRow.day))).all())

    async def close(self, day: date, reason: str) -> None:
        """Close ``day`` (or change its reason)."""
        await self.session.merge(ClosedDayRow(day=day, reason=reason))

    async def reopen(self, day: date) -> None:
        """Open ``day`` again, if it was closed."""
        row = await self.session.get(ClosedDayRow, day)
        if row is not None:
            await self.session.delete(row)


class SqlSentReminders:
    """Sent reminders in the service's database; the primary key makes a second send a no-op."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, key: str, initiative_id: str, now: datetime) -> bool:
        """Insert the key unless it is there; True when this call inserted it."""
        values = {"reminder_key": key, "initiative_id": initiative_id, "sent_at": now}
        return await insert_new(self.session, SentReminderRow, values)

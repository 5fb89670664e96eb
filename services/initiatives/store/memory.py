"""The initiatives unit of work in memory, for fast tests of the use cases without a database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import date, datetime

from initiatives.store.tables import (
    ActivityRow,
    AttachedConflictRow,
    InitiativeRow,
    MilestoneRow,
    SubsidyCheckRow,
    SupportEntryRow,
    utc,
)
from initiatives.store.unit_of_work import InitiativesUnitOfWork
from werkplaats.unit_of_work import InMemoryUnitOfWork


class InMemoryInitiatives:
    """Initiatives in a dictionary; the subsidy checks are read from their repository."""

    def __init__(self, checks: InMemorySubsidyChecks) -> None:
        self.rows: dict[str, InitiativeRow] = {}
        self.checks = checks

    async def get(self, initiative_id: str, *, lock: bool) -> InitiativeRow | None:
        """The initiative, or None (nothing to lock in one process)."""
        return self.rows.get(initiative_id)

    def add(self, row: InitiativeRow) -> None:
        """Store a new initiative."""
        self.rows[row.initiative_id] = row

    async def lock_assignments(self) -> None:
        """Nothing to lock in one process."""

    async def open_loads(self, open_statuses: Collection[str]) -> dict[str, int]:
        """Initiatives in ``open_statuses`` per builder."""
        loads = Counter(
            row.builder_id for row in self.rows.values() if row.status in open_statuses and row.builder_id
        )
        return {str(builder): count for builder, count in loads.items()}

    async def overdue(self, statuses: Collection[str], today: date, limit: int) -> list[InitiativeRow]:
        """Assigned, without first contact, due before ``today``, not yet raised; oldest first."""
        rows = [
            row
            for row in self.rows.values()
            if row.status in statuses
            and row.first_contact_at is None
            and row.first_contact_due < today
            and row.overdue_raised_for is None
            and row.builder_id is not None
        ]
        return sorted(rows, key=lambda row: (row.first_contact_due, row.initiative_id))[:limit]

    async def claim_overdue(self, row: InitiativeRow) -> bool:
        """Set ``overdue_raised_for`` where it is still unset."""
        if row.overdue_raised_for is not None:
            return False
        row.overdue_raised_for = row.first_contact_due
        return True

    async def expired_contacts(self, cutoff: datetime, limit: int) -> list[InitiativeRow]:
        """Closed at or before ``cutoff``, contact data still held."""
        rows = [
            row
            for row in self.rows.values()
            if row.closed_at is not None and utc(row.closed_at) <= cutoff and row.contact is not None
        ]
        return rows[:limit]

    async def checked(self, statuses: Collection[str]) -> list[tuple[InitiativeRow, SubsidyCheckRow]]:
        """Initiatives in ``statuses`` with their subsidy check."""
        return [
            (row, self.checks.rows[initiative_id])
            for initiative_id, row in sorted(self.rows.items())
            if row.status in statuses and initiative_id in self.checks.rows
        ]


class InMemorySupportLog:
    """Support entries in a list."""

    def __init__(self) -> None:
        self.rows: list[SupportEntryRow] = []

    def add(self, row: SupportEntryRow) -> None:
        """Append an entry."""
        self.rows.append(row)

    async def of(self, initiative_id: str) -> list[SupportEntryRow]:
        """An initiative's entries, oldest first."""
        return sorted((row for row in self.rows if row.initiative_id == initiative_id), key=lambda r: r.on)


class InMemoryMilestones:
    """Milestones in a dictionary."""

    def __init__(self) -> None:
        self.rows: dict[str, MilestoneRow] = {}

    def add(self, row: MilestoneRow) -> None:
        """Plan a milestone."""
        self.rows[row.milestone_id] = row

    async def get(self, milestone_id: str) -> MilestoneRow | None:
        """The milestone, or None."""
        return self.rows.get(milestone_id)

    async def of(self, initiative_id: str) -> list[MilestoneRow]:
        """An initiative's milestones."""
        return [row for row in self.rows.values() if row.initiative_id == initiative_id]


class InMemoryActivities:
    """Activities in a dictionary."""

    def __init__(self) -> None:
        self.rows: dict[str, ActivityRow] = {}

    async def get(self, activity_id: str) -> ActivityRow | None:
        """The activity, or None."""
        return self.rows.get(activity_id)

    async def put(self, row: ActivityRow) -> None:
        """Create or replace an activity."""
        self.rows[row.activity_id] = row

    async def of(self, initiative_id: str) -> list[ActivityRow]:
        """An initiative's activities."""
        return [row for key, row in sorted(self.rows.items()) if row.initiative_id == initiative_id]


class InMemoryAttachedConflicts:
    """Attached conflicts in a dictionary."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], AttachedConflictRow] = {}

    async def get(self, conflict_id: str, activity_id: str) -> AttachedConflictRow | None:
        """The attachment, or None."""
        return self.rows.get((conflict_id, activity_id))

    async def put(self, row: AttachedConflictRow) -> None:
        """Create or replace an attachment."""
        self.rows[(row.conflict_id, row.activity_id)] = row

    async def unresolved(self, conflict_id: str) -> list[AttachedConflictRow]:
        """The attachments of a conflict not yet resolved."""
        return [row for row in self.rows.values() if row.conflict_id == conflict_id and not row.resolved]


class InMemorySubsidyChecks:
    """Subsidy checks in a dictionary."""

    def __init__(self) -> None:
        self.rows: dict[str, SubsidyCheckRow] = {}

    async def put(self, row: SubsidyCheckRow) -> None:
        """Keep the check (replacing the one before)."""
        self.rows[row.initiative_id] = row


class InMemoryClosedDays:
    """Closed days in a dictionary."""

    def __init__(self) -> None:
        self.reasons: dict[date, str] = {}

    async def days(self) -> list[date]:
        """Every closed day."""
        return sorted(self.reasons)

    async def close(self, day: date, reason: str) -> None:
        """Close ``day`` (or change its reason)."""
        self.reasons[day] = reason

    async def reopen(self, day: date) -> None:
        """Open ``day`` again, if it was closed."""
        self.reasons.pop(day, None)


class InMemorySentReminders:
    """Sent reminder keys in a dictionary."""

    def __init__(self) -> None:
        self.sent: dict[str, datetime] = {}

    async def first_time(self, key: str, initiative_id: str, now: datetime) -> bool:
        """Record ``key``; False when it was there."""
        if key in self.sent:
            return False
        self.sent[key] = now
        return True


class InMemoryInitiativesUnitOfWork(InMemoryUnitOfWork, InitiativesUnitOfWork):
    """The initiatives unit of work without a database: one instance lives through many commits."""

    def __init__(self) -> None:
        super().__init__()
        self.subsidy_checks = checks = InMemorySubsidyChecks()
        self.initiatives = InMemoryInitiatives(checks)
        self.support_log = InMemorySupportLog()
        self.milestones = InMemoryMilestones()
        self.activities = InMemoryActivities()
        self.attached_conflicts = InMemoryAttachedConflicts()
        self.closed_days = InMemoryClosedDays()
        self.sent_reminders = InMemorySentReminders()

"""What the reach service reads, behind one interface per kind of thing, on SQL.

Writes are staged on the unit of work; each repository also remembers what this transaction staged,
so a batch reads its own writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import ActivityReported
from reach.domain import PlannedActivity
from reach.store.mapping import planned
from reach.store.tables import ActivityRow, AdviceRow, FlagRow, PendingReportRow, ReportRow, StaleAdviceRow

ActivityKey = tuple[str, str]
OccurrenceKey = tuple[str, str, str]
"""Organisation, activity id and occurrence start (``utc_key``)."""


class Activities(Protocol):
    """The activities the agenda announced."""

    async def get(self, organisation: str, activity_id: str) -> PlannedActivity | None:
        """The activity, withdrawn ones included; None when the agenda never showed it."""

    async def published(self, organisation: str, activity_id: str) -> dict[str, Any] | None:
        """The ``activity.published`` payload kept of the activity."""

    def remember(self, activity: PlannedActivity, payload: dict[str, Any]) -> None:
        """Read ``activity`` as it was just staged, for the rest of this transaction."""

    async def current(self) -> list[PlannedActivity]:
        """Every activity not withdrawn."""

    async def in_wijk(self, wijk: str) -> list[PlannedActivity]:
        """Every activity in ``wijk``, withdrawn ones included."""


class Reports(Protocol):
    """Accepted reports."""

    async def reported(self) -> Sequence[tuple[PlannedActivity, ActivityReported]]:
        """Every accepted report with its activity."""

    async def of_activity(self, organisation: str, activity_id: str) -> list[ActivityReported]:
        """The reports of one activity, by occurrence."""

    async def keys(self) -> set[OccurrenceKey]:
        """Which occurrences have a report."""

    async def promises_due_before(self, day: date) -> Sequence[tuple[OccurrenceKey, ActivityReported]]:
        """Reports promising residents to hear back before ``day``, without a follow-up."""


class PendingReports(Protocol):
    """Reports waiting for their activity to appear on the agenda."""

    async def of_activity(self, organisation: str, activity_id: str) -> Sequence[PendingReportRow]:
        """The reports waiting for one activity."""

    async def waiting(self) -> Sequence[PendingReportRow]:
        """Every waiting report, oldest first."""


class Flags(Protocol):
    """Reminders and warnings already announced."""

    async def of_kind(self, kind: str) -> set[OccurrenceKey]:
        """The occurrences flagged with ``kind``."""


class Advice(Protocol):
    """The advice published, and which advice is stale."""

    async def digest(self, key: str) -> str | None:
        """The fingerprint of the advice last published for ``key``."""

    async def stale(self) -> dict[str, str]:
        """Stale advice keys with the token of their marking."""

    async def clear(self, marked: dict[str, str]) -> None:
        """Forget the markings in ``marked``; a marking made since (a new token) stays."""


class SqlActivities:
    """Activities on SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.staged: dict[ActivityKey, tuple[PlannedActivity, dict[str, Any]]] = {}

    async def get(self, organisation: str, activity_id: str) -> PlannedActivity | None:
        """The activity, withdrawn ones included; None when the agenda never showed it."""
        if (organisation, activity_id) in self.staged:
            return self.staged[(organisation, activity_id)][0]
        row = await self.session.get(ActivityRow, (organisation, activity_id))
        return planned(row) if row is not None else None

    async def published(self, organisation: str, activity_id: str) -> dict[str, Any] | None:
        """The ``activity.published`` payload kept of the activity."""
        if (organisation, activity_id) in self.staged:
            return self.staged[(organisation, activity_id)][1]
        row = await self.session.get(ActivityRow, (organisation, activity_id))
        return dict(row.payload) if row is not None else None

    def remember(self, activity: PlannedActivity, payload: dict[str, Any]) -> None:
        """Read ``activity`` as it was just staged, for the rest of this transaction."""
        self.staged[(activity.organisation, activity.activity_id)] = (activity, payload)

    async def current(self) -> list[PlannedActivity]:
        """Every activity not withdrawn."""
        rows = await self.session.scalars(select(ActivityRow).where(ActivityRow.withdrawn.is_(False)))
        return [planned(row) for row in rows]

    async def in_wijk(self, wijk: str) -> list[PlannedActivity]:
        """Every activity in ``wijk``, withdrawn ones included."""
        return [a for a in map(planned, await self.session.scalars(select(ActivityRow))) if wijk in a.wijken]


class SqlReports:
    """Reports on SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reported(self) -> Sequence[tuple[PlannedActivity, ActivityReported]]:
        """Every accepted report with its activity."""
        rows = await self.session.execute(
            select(ActivityRow, ReportRow.payload).join(
                ReportRow,
                (ReportRow.organisation == ActivityRow.organisation)
                & (ReportRow.activity_id == ActivityRow.activity_id),
            )
        )
        activities: dict[ActivityKey, PlannedActivity] = {}
        found = []
        for row, payload in rows:
            key = (row.organisation, row.activity_id)
            if key not in activities:
                activities[key] = planned(row)
            found.append((activities[key], ActivityReported.model_validate(payload)))
        return found

    async def of_activity(self, organisation: str, activity_id: str) -> list[ActivityReported]:
        """The reports of one activity, by occurrence."""
        payloads = await self.session.scalars(
            select(ReportRow.payload)
            .where(ReportRow.organisation == organisation, ReportRow.activity_id == activity_id)
            .order_by(ReportRow.occurrence)
        )
        return [ActivityReported.model_validate(payload) for payload in payloads]

    async def keys(self) -> set[OccurrenceKey]:
        """Which occurrences have a report."""
        rows = await self.session.execute(
            select(ReportRow.organisation, ReportRow.activity_id, ReportRow.occurrence)
        )
        return {(org, activity_id, occurrence) for org, activity_id, occurrence in rows}

    async def promises_due_before(self, day: date) -> Sequence[tuple[OccurrenceKey, ActivityReported]]:
        """Reports promising residents to hear back before ``day``, without a follow-up."""
        rows = await self.session.scalars(
            select(ReportRow).where(ReportRow.followed_up.is_(False), ReportRow.hear_back_by < day)
        )
        return [
            (
                (row.organisation, row.activity_id, row.occurrence),
                ActivityReported.model_validate(row.payload),
            )
            for row in rows
        ]


class SqlPendingReports:
    """Pending reports on SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_activity(self, organisation: str, activity_id: str) -> Sequence[PendingReportRow]:
        """The reports waiting for one activity."""
        rows = await self.session.scalars(
            select(PendingReportRow).where(
                PendingReportRow.organisation == organisation, PendingReportRow.activity_id == activity_id
            )
        )
        return list(rows)

    async def waiting(self) -> Sequence[PendingReportRow]:
        """Every waiting report, oldest first."""
        return list(
            await self.session.scalars(select(PendingReportRow).order_by(PendingReportRow.received_at))
        )


class SqlFlags:
    """Flags on SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_kind(self, kind: str) -> set[OccurrenceKey]:
        """The occurrences flagged with ``kind``."""
        rows = await self.session.execute(
            select(FlagRow.organisation, FlagRow.activity_id, FlagRow.occurrence).where(FlagRow.kind == kind)
        )
        return {(org, activity_id, occurrence) for org, activity_id, occurrence in rows}


class SqlAdvice:
    """Advice on SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def digest(self, key: str) -> str | None:
        """The fingerprint of the advice last published for ``key``."""
        return await self.session.scalar(select(AdviceRow.digest).where(AdviceRow.key == key))

    async def stale(self) -> dict[str, str]:
        """Stale advice keys with the token of their marking."""
        rows = await self.session.execute(select(StaleAdviceRow.key, StaleAdviceRow.token))
        return {key: token for key, token in rows}

    async def clear(self, marked: dict[str, str]) -> None:
        """Forget the markings in ``marked``; a marking made since (a new token) stays."""
        for key, token in marked.items():
            await self.session.execute(
                delete(StaleAdviceRow).where(StaleAdviceRow.key == key, StaleAdviceRow.token == token)
            )

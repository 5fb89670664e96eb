"""The read model: conflict and agenda events applied to the dashboard's own tables, changes numbered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import (
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    ConflictAcknowledged,
    ConflictDetected,
    ConflictResolved,
    Envelope,
    EventData,
)
from dashboard.domain import wijken_of
from dashboard.store import (
    ActivityRow,
    ChangeRow,
    ConflictActivityRow,
    ConflictEventRow,
    ConflictRow,
    OccurrenceRow,
    SqlDashboardUnitOfWork,
)

CONFLICT_EVENTS = frozenset(
    {ConflictDetected.event_type, ConflictResolved.event_type, ConflictAcknowledged.event_type}
)
AGENDA_EVENTS = frozenset({AgendaActivityUpserted.event_type, AgendaActivityRemoved.event_type})


class ReadModel:
    """Applies events to the tables; ``on_changed`` is called after a transaction that changed conflicts."""

    def __init__(self, on_changed: Callable[[], None] = lambda: None) -> None:
        self.on_changed = on_changed

    async def apply(self, unit: SqlDashboardUnitOfWork, envelope: Envelope[EventData]) -> None:
        """Apply one event of ``scheduling.conflicts`` or ``scheduling.agenda``."""
        session = unit.session
        data = envelope.data
        if isinstance(data, ConflictDetected | ConflictAcknowledged | ConflictResolved):
            unit.after_commit(self.on_changed)
        if isinstance(data, ConflictDetected):
            await self._detected(unit, data, envelope.occurred_at)
        elif isinstance(data, ConflictAcknowledged):
            await self._acknowledged(unit, data, envelope.occurred_at)
        elif isinstance(data, ConflictResolved):
            await self._resolved(unit, data, envelope.occurred_at)
        elif isinstance(data, AgendaActivityUpserted):
            await self._upserted(session, data, envelope.occurred_at)
        elif isinstance(data, AgendaActivityRemoved):
            await self._removed(session, data)

    async def _detected(self, unit: SqlDashboardUnitOfWork, data: ConflictDetected, at: datetime) -> None:
        row = await unit.conflict(data.conflict_id)
        organisations = sorted({activity.organisation for activity in data.activities})
        fresh = row is None
        if row is None:
            row = ConflictRow(conflict_id=data.conflict_id, first_detected_at=at)
            unit.add_conflict(row)
        row.rule, row.severity, row.status = data.rule.value, data.severity.value, "open"
        row.detected = data.model_dump(mode="json")
        row.starts_at, row.updated_at = data.starts_at, at
        row.wijken, row.organisations = wijken_of(data.neighbourhoods), organisations
        row.acknowledged_by = row.acknowledged_reason = None
        row.resolved_at = None
        if not fresh:  # detected again: its activities may have changed
            await unit.session.execute(
                delete(ConflictActivityRow).where(ConflictActivityRow.conflict_id == data.conflict_id)
            )
            await unit.session.flush()
        for organisation, activity_id in {(a.organisation, a.activity_id) for a in data.activities}:
            unit.session.add(
                ConflictActivityRow(
                    conflict_id=data.conflict_id, organisation=organisation, activity_id=activity_id
                )
            )
        detail = {"explanation": data.explanation.model_dump()}
        self._record(unit, data.conflict_id, ConflictDetected.event_type, at, detail)

    async def _acknowledged(
        self, unit: SqlDashboardUnitOfWork, data: ConflictAcknowledged, at: datetime
    ) -> None:
        row = await unit.conflict(data.conflict_id)
        if row is not None and row.status == "open":
            row.status, row.updated_at = "acknowledged", at
            row.acknowledged_by, row.acknowledged_reason = data.acknowledged_by, data.reason
        detail = {"reason": data.reason, "by": data.acknowledged_by}
        self._record(unit, data.conflict_id, ConflictAcknowledged.event_type, at, detail)

    async def _resolved(self, unit: SqlDashboardUnitOfWork, data: ConflictResolved, at: datetime) -> None:
        row = await unit.conflict(data.conflict_id)
        if row is not None:
            row.status, row.updated_at, row.resolved_at = "resolved", at, at
        detail = {"explanation": data.explanation.model_dump()}
        self._record(unit, data.conflict_id, ConflictResolved.event_type, at, detail)

    @staticmethod
    def _record(
        unit: SqlDashboardUnitOfWork, conflict_id: str, event_type: str, at: datetime, detail: dict[str, Any]
    ) -> None:
        step = {"conflict_id": conflict_id, "event_type": event_type, "occurred_at": at, "detail": detail}
        unit.insert(ConflictEventRow.__table__, step)
        change = {"conflict_id": conflict_id, "event_type": event_type, "created_at": datetime.now(UTC)}
        unit.insert(ChangeRow.__table__, change)

    async def _upserted(self, session: AsyncSession, data: AgendaActivityUpserted, at: datetime) -> None:
        activity = data.activity
        key = (data.organisation, activity.activity_id)
        row = await session.get(ActivityRow, key)
        if row is None:
            row = ActivityRow(organisation=data.organisation, activity_id=activity.activity_id)
            session.add(row)
        row.title, row.kind = activity.title, activity.kind.value
        row.wijken = wijken_of(activity.neighbourhoods)
        row.target_groups = [group.value for group in activity.target_groups]
        row.venue_id = getattr(activity.venue, "venue_id", None)
        row.data = data.model_dump(mode="json")
        row.updated_at = at
        await self._remove_occurrences(session, *key)
        for occurrence in {(o.starts_at, o.ends_at) for o in data.occurrences}:
            session.add(
                OccurrenceRow(
                    organisation=key[0], activity_id=key[1], starts_at=occurrence[0], ends_at=occurrence[1]
                )
            )

    async def _removed(self, session: AsyncSession, data: AgendaActivityRemoved) -> None:
        await self._remove_occurrences(session, data.organisation, data.activity_id)
        await session.execute(
            delete(ActivityRow).where(
                ActivityRow.organisation == data.organisation, ActivityRow.activity_id == data.activity_id
            )
        )

    @staticmethod
    async def _remove_occurrences(session: AsyncSession, organisation: str, activity_id: str) -> None:
        await session.execute(
            delete(OccurrenceRow).where(
                OccurrenceRow.organisation == organisation, OccurrenceRow.activity_id == activity_id
            )
        )
        await session.flush()

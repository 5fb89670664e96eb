"""The reach unit of work in memory, for fast tests of the use cases without a database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from contracts import ActivityReported
from reach.domain import PlannedActivity
from reach.store.mapping import planned_of
from reach.store.repositories import ActivityKey, OccurrenceKey
from reach.store.tables import PendingReportRow, aware
from reach.store.unit_of_work import (
    ACTIVITIES,
    ADVICE,
    FLAGS,
    PENDING,
    REPORTS,
    STALE_ADVICE,
    ReachUnitOfWork,
)
from werkplaats.unit_of_work import InMemoryUnitOfWork, Row


def _rows(unit: InMemoryUnitOfWork, table: Any) -> list[Row]:
    return list(unit.tables.get(table.name, {}).values())


def _key(row: Row) -> OccurrenceKey:
    return (row["organisation"], row["activity_id"], row["occurrence"])


class InMemoryActivities:
    """Activities in the unit of work's committed tables."""

    def __init__(self, unit: InMemoryUnitOfWork) -> None:
        self.unit = unit
        self.staged: dict[ActivityKey, tuple[PlannedActivity, dict[str, Any]]] = {}

    def _all(self) -> list[PlannedActivity]:
        stored = {
            (row["organisation"], row["activity_id"]): planned_of(
                row["organisation"], row["payload"], withdrawn=row["withdrawn"]
            )
            for row in _rows(self.unit, ACTIVITIES)
        }
        return list((stored | {key: staged for key, (staged, _) in self.staged.items()}).values())

    async def get(self, organisation: str, activity_id: str) -> PlannedActivity | None:
        """The activity, withdrawn ones included."""
        return next(
            (a for a in self._all() if (a.organisation, a.activity_id) == (organisation, activity_id)), None
        )

    async def published(self, organisation: str, activity_id: str) -> dict[str, Any] | None:
        """The ``activity.published`` payload kept of the activity."""
        if (organisation, activity_id) in self.staged:
            return self.staged[(organisation, activity_id)][1]
        row = self.unit.tables.get(ACTIVITIES.name, {}).get((organisation, activity_id))
        return dict(row["payload"]) if row else None

    def remember(self, activity: PlannedActivity, payload: dict[str, Any]) -> None:
        """Read ``activity`` as it was just staged."""
        self.staged[(activity.organisation, activity.activity_id)] = (activity, payload)

    async def current(self) -> list[PlannedActivity]:
        """Every activity not withdrawn."""
        return [a for a in self._all() if not a.withdrawn]

    async def in_wijk(self, wijk: str) -> list[PlannedActivity]:
        """Every activity in ``wijk``."""
        return [a for a in self._all() if wijk in a.wijken]


class InMemoryReports:
    """Reports in the unit of work's committed tables."""

    def __init__(self, unit: InMemoryUnitOfWork) -> None:
        self.unit = unit

    async def reported(self) -> Sequence[tuple[PlannedActivity, ActivityReported]]:
        """Every accepted report with its activity."""
        activities = self.unit.tables.get(ACTIVITIES.name, {})
        found = []
        for row in _rows(self.unit, REPORTS):
            activity = activities[(row["organisation"], row["activity_id"])]
            planned = planned_of(
                activity["organisation"], activity["payload"], withdrawn=activity["withdrawn"]
            )
            found.append((planned, ActivityReported.model_validate(row["payload"])))
        return found

    async def of_activity(self, organisation: str, activity_id: str) -> list[ActivityReported]:
        """The reports of one activity, by occurrence."""
        rows = sorted(
            (
                r
                for r in _rows(self.unit, REPORTS)
                if (r["organisation"], r["activity_id"]) == (organisation, activity_id)
            ),
            key=lambda r: str(r["occurrence"]),
        )
        return [ActivityReported.model_validate(r["payload"]) for r in rows]

    async def keys(self) -> set[OccurrenceKey]:
        """Which occurrences have a report."""
        return {_key(r) for r in _rows(self.unit, REPORTS)}

    async def promises_due_before(self, day: date) -> Sequence[tuple[OccurrenceKey, ActivityReported]]:
        """Reports promising residents to hear back before ``day``, without a follow-up."""
        return [
            (
                (r["organisation"], r["activity_id"], r["occurrence"]),
                ActivityReported.model_validate(r["payload"]),
            )
            for r in _rows(self.unit, REPORTS)
            if not r["followed_up"] and r["hear_back_by"] is not None and r["hear_back_by"] < day
        ]


class InMemoryPendingReports:
    """Pending reports in the unit of work's committed tables."""

    def __init__(self, unit: InMemoryUnitOfWork) -> None:
        self.unit = unit

    async def of_activity(self, organisation: str, activity_id: str) -> Sequence[PendingReportRow]:
        """The reports waiting for one activity."""
        return [
            PendingReportRow(**r)
            for r in _rows(self.unit, PENDING)
            if (r["organisation"], r["activity_id"]) == (organisation, activity_id)
        ]

    async def waiting(self) -> Sequence[PendingReportRow]:
        """Every waiting report, oldest first."""
        return [
            PendingReportRow(**r)
            for r in sorted(_rows(self.unit, PENDING), key=lambda r: aware(r["received_at"]))
        ]


class InMemoryFlags:
    """Flags appended by the unit of work's commits."""

    def __init__(self, unit: InMemoryUnitOfWork) -> None:
        self.unit = unit

    async def of_kind(self, kind: str) -> set[OccurrenceKey]:
        """The occurrences flagged with ``kind``."""
        return {
            (r["organisation"], r["activity_id"], r["occurrence"])
            for r in self.unit.appended.get(FLAGS.name, [])
            if r["kind"] == kind
        }


class InMemoryAdvice:
    """Advice in the unit of work's committed tables."""

    def __init__(self, unit: InMemoryUnitOfWork) -> None:
        self.unit = unit

    async def digest(self, key: str) -> str | None:
        """The fingerprint of the advice last published for ``key``."""
        row = self.unit.tables.get(ADVICE.name, {}).get((key,))
        return str(row["digest"]) if row else None

    async def stale(self) -> dict[str, str]:
        """Stale advice keys with the token of their marking."""
        return {r["key"]: r["token"] for r in _rows(self.unit, STALE_ADVICE)}

    async def clear(self, marked: dict[str, str]) -> None:
        """Forget the markings in ``marked``; a marking made since stays."""
        stale = self.unit.tables.get(STALE_ADVICE.name, {})
        for key, token in marked.items():
            if stale.get((key,), {}).get("token") == token:
                del stale[(key,)]


class InMemoryReachUnitOfWork(InMemoryUnitOfWork, ReachUnitOfWork):
    """The reach unit of work in memory: one instance lives through many commits."""

    activities: InMemoryActivities

    def __init__(self) -> None:
        super().__init__()
        self.activities = InMemoryActivities(self)
        self.reports = InMemoryReports(self)
        self.pending = InMemoryPendingReports(self)
        self.flags = InMemoryFlags(self)
        self.advice = InMemoryAdvice(self)

    async def commit(self) -> None:
        """Commit, and forget what the activities remembered as staged."""
        await super().commit()
        self.activities.staged.clear()

"""Reports due and promises to residents overdue: listed on demand, announced once on ``reach.events``."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from contracts import PromiseOverdue, ReportDue, new_event
from contracts.topics import REACH_EVENTS
from reach.domain import AMSTERDAM, promise_overdue, reports_due, utc_key
from reach.service.policy import SERVICE, Clock, Policy
from reach.store import FLAGS, ReachUnitOfWork

log = structlog.get_logger(__name__)


class Reminders:
    """What organisers and operations should act on, and announcing it once."""

    policy: Policy
    clock: Clock

    async def due_reports(self, unit: ReachUnitOfWork, organisation: str | None = None) -> list[ReportDue]:
        """The reports due now and missing, of one organisation (or all), oldest occurrence first."""
        now = self.clock()
        reported = await unit.reports.keys()
        due = []
        for activity in await unit.activities.current():
            if organisation is not None and activity.organisation != organisation:
                continue
            for occurrence in reports_due(
                activity, now, after=self.policy.report_after, window=self.policy.reminder_window
            ):
                if (activity.organisation, activity.activity_id, utc_key(occurrence.starts_at)) in reported:
                    continue
                due.append(
                    ReportDue(
                        organisation=activity.organisation,
                        activity_id=activity.activity_id,
                        title=activity.title,
                        occurrence_start=occurrence.starts_at,
                        due_at=occurrence.ends_at + self.policy.report_after,
                    )
                )
        return sorted(due, key=lambda item: (item.occurrence_start, item.organisation, item.activity_id))

    async def overdue_promises(self, unit: ReachUnitOfWork) -> list[PromiseOverdue]:
        """Promises to residents past their date without a follow-up, the longest overdue first."""
        today = self.clock().astimezone(AMSTERDAM).date()
        overdue = []
        for key, report in await unit.reports.promises_due_before(today):
            if report.follow_up is None or not promise_overdue(report, today):
                continue
            activity = await unit.activities.get(key[0], key[1])
            overdue.append(
                PromiseOverdue(
                    organisation=key[0],
                    activity_id=key[1],
                    title=activity.title if activity else key[1],
                    occurrence_start=report.occurrence_start,
                    residents_hear_back_by=report.follow_up.residents_hear_back_by,
                )
            )
        return sorted(overdue, key=lambda item: (item.residents_hear_back_by, item.organisation))

    async def remind(self, unit: ReachUnitOfWork) -> int:
        """Announce ``reach.report_due`` once for each occurrence whose report is due and missing."""
        return await self._announce_once(unit, "report_due", await self.due_reports(unit))

    async def flag_overdue_promises(self, unit: ReachUnitOfWork) -> int:
        """Announce ``reach.promise_overdue`` once for each promise past its date without a follow-up."""
        return await self._announce_once(unit, "promise_overdue", await self.overdue_promises(unit))

    async def _announce_once(
        self, unit: ReachUnitOfWork, kind: str, items: Sequence[ReportDue] | Sequence[PromiseOverdue]
    ) -> int:
        """Flag and announce each of ``items`` whose occurrence has no ``kind`` flag yet; how many."""
        flagged = await unit.flags.of_kind(kind)
        announced = 0
        for item in items:
            key = (item.organisation, item.activity_id, utc_key(item.occurrence_start))
            if key not in flagged:
                self._flag(unit, key, kind, item)
                announced += 1
        return announced

    def _flag(
        self, unit: ReachUnitOfWork, key: tuple[str, str, str], kind: str, data: ReportDue | PromiseOverdue
    ) -> None:
        organisation, activity_id, occurrence = key
        unit.insert(
            FLAGS,
            {
                "organisation": organisation,
                "activity_id": activity_id,
                "occurrence": occurrence,
                "kind": kind,
                "flagged_at": self.clock(),
            },
        )
        unit.publish(REACH_EVENTS, new_event(data, source=SERVICE), key=f"{organisation}/{activity_id}")
        log.info(data.event_type, organisation=organisation, activity_id=activity_id, occurrence=occurrence)

"""Use cases of the reach service: follow the agenda, take reports in, remind, flag and advise.

Each takes the service's unit of work, stages rows and events on it, and leaves the commit to whoever
opened it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import structlog

from contracts import (
    ActivityKind,
    ActivityReported,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    PromiseOverdue,
    ReportDue,
    TargetGroup,
    new_event,
)
from contracts.topics import REACH_ADVICE, REACH_EVENTS, partner_feedback
from reach import feedback
from reach.domain import (
    AMSTERDAM,
    PlannedActivity,
    advice_key,
    advise,
    keys_of,
    observation,
    promise_overdue,
    refusal_of,
    reports_due,
    utc_key,
)
from reach.store import ACTIVITIES, ADVICE, FLAGS, PENDING, REPORTS, STALE_ADVICE, ReachUnitOfWork, aware

log = structlog.get_logger(__name__)

SERVICE = "reach"
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Arrival:
    """Where a report came from: its organisation, its event and its place on the partner topic."""

    organisation: str
    event_id: str
    correlation_id: str | None
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Policy:
    """The service's judgement: minimum evidence, grace for unknown activities, when reports are due."""

    minimum_reports: int = 3
    pending_grace: timedelta = timedelta(minutes=15)
    report_after: timedelta = timedelta(days=3)
    reminder_window: timedelta = timedelta(days=30)


class Reach:
    """Reports in; reminders, warnings and advice out."""

    def __init__(self, policy: Policy, clock: Clock) -> None:
        self.policy = policy
        self.clock = clock

    async def follow_agenda(
        self, unit: ReachUnitOfWork, change: AgendaActivityUpserted | AgendaActivityRemoved
    ) -> None:
        """Keep the activity as the agenda announces it, and judge reports that waited for it."""
        activity_id = (
            change.activity.activity_id if isinstance(change, AgendaActivityUpserted) else change.activity_id
        )
        before = await unit.activities.get(change.organisation, activity_id)
        if before is not None:
            await self._mark_stale_advice(unit, before)
        if isinstance(change, AgendaActivityRemoved):
            payload = await unit.activities.published(change.organisation, activity_id)
            if before is not None and payload is not None:
                self._keep(unit, replace(before, withdrawn=True), payload)
            return
        activity = PlannedActivity.from_published(change.organisation, change.activity)
        self._keep(unit, activity, change.activity.model_dump(mode="json"))
        await self._mark_stale_advice(unit, activity)
        for pending in await unit.pending.of_activity(change.organisation, activity_id):
            unit.delete(
                PENDING,
                {
                    "organisation": pending.organisation,
                    "activity_id": pending.activity_id,
                    "occurrence": pending.occurrence,
                },
            )
            arrival = Arrival(
                pending.organisation,
                pending.event_id,
                pending.correlation_id,
                pending.topic,
                pending.partition,
                pending.offset,
            )
            self._judge(unit, activity, ActivityReported.model_validate(pending.payload), arrival)

    def _keep(self, unit: ReachUnitOfWork, activity: PlannedActivity, payload: dict[str, Any]) -> None:
        unit.upsert(
            ACTIVITIES,
            {
                "organisation": activity.organisation,
                "activity_id": activity.activity_id,
                "payload": payload,
                "withdrawn": activity.withdrawn,
                "updated_at": self.clock(),
            },
        )
        unit.activities.remember(activity, payload)

    async def take_report(self, unit: ReachUnitOfWork, report: ActivityReported, arrival: Arrival) -> None:
        """Accept or refuse a report; one of an activity not (yet) on the agenda waits for it a while."""
        activity = await unit.activities.get(arrival.organisation, report.activity_id)
        if activity is None:
            unit.upsert(PENDING, _pending(report, arrival, self.clock()))
            log.info(
                "report_waits_for_activity", organisation=arrival.organisation, activity_id=report.activity_id
            )
            return
        self._judge(unit, activity, report, arrival)

    def _judge(
        self, unit: ReachUnitOfWork, activity: PlannedActivity, report: ActivityReported, arrival: Arrival
    ) -> None:
        refusal = refusal_of(arrival.organisation, activity, report, self.clock())
        if refusal is not None:
            self._refuse(unit, report.activity_id, arrival, refusal.field, refusal.reason)
            return
        unit.upsert(
            REPORTS,
            {
                "organisation": arrival.organisation,
                "activity_id": report.activity_id,
                "occurrence": utc_key(report.occurrence_start),
                "payload": report.model_dump(mode="json"),
                "event_id": arrival.event_id,
                "hear_back_by": report.follow_up.residents_hear_back_by if report.follow_up else None,
                "followed_up": report.follow_up_done is not None,
                "received_at": self.clock(),
            },
        )
        for wijk, group, kind in keys_of(observation(activity, report)):
            _mark_stale(unit, advice_key(wijk, group, kind))
        log.info("report_accepted", organisation=arrival.organisation, activity_id=report.activity_id)

    def _refuse(
        self, unit: ReachUnitOfWork, activity_id: str, arrival: Arrival, field: str, reason: str
    ) -> None:
        refusal = feedback.refused(
            activity_id,
            arrival.event_id,
            field,
            reason,
            topic=arrival.topic,
            partition=arrival.partition,
            offset=arrival.offset,
        )
        unit.publish(partner_feedback(arrival.organisation), refusal, key=activity_id)
        log.info("report_refused", organisation=arrival.organisation, activity_id=activity_id, reason=reason)

    async def _mark_stale_advice(self, unit: ReachUnitOfWork, activity: PlannedActivity) -> None:
        """Mark the advice an activity's reports feed as stale (its wijk, groups or kind may change)."""
        if not await unit.reports.of_activity(activity.organisation, activity.activity_id):
            return
        for wijk in activity.wijken:
            for group in activity.target_groups:
                _mark_stale(unit, advice_key(wijk, group, activity.kind))

    async def settle_pending(self, unit: ReachUnitOfWork) -> int:
        """Judge waiting reports whose activity has appeared meanwhile, refuse those that waited too long.

        The agenda may have shown the activity while its report was being set aside (two transactions
        at once); this catches that. How many reports were settled.
        """
        waiting = await unit.pending.waiting()
        cutoff = self.clock() - self.policy.pending_grace
        settled = 0
        for pending in waiting:
            arrival = Arrival(
                pending.organisation,
                pending.event_id,
                pending.correlation_id,
                pending.topic,
                pending.partition,
                pending.offset,
            )
            activity = await unit.activities.get(pending.organisation, pending.activity_id)
            if activity is not None:
                self._judge(unit, activity, ActivityReported.model_validate(pending.payload), arrival)
            elif aware(pending.received_at) < cutoff:
                reason = f"{pending.organisation} has no activity {pending.activity_id!r} on the agenda"
                self._refuse(unit, pending.activity_id, arrival, "activity_id", reason)
            else:
                continue
            unit.delete(
                PENDING,
                {
                    "organisation": pending.organisation,
                    "activity_id": pending.activity_id,
                    "occurrence": pending.occurrence,
                },
            )
            settled += 1
        return settled

    async def remind(self, unit: ReachUnitOfWork) -> int:
        """Announce ``reach.report_due`` once for each occurrence whose report is due and missing."""
        now = self.clock()
        flagged = await unit.flags.of_kind("report_due")
        reported = await unit.reports.keys()
        announced = 0
        for activity in await unit.activities.current():
            for occurrence in reports_due(
                activity, now, after=self.policy.report_after, window=self.policy.reminder_window
            ):
                key = (activity.organisation, activity.activity_id, utc_key(occurrence.starts_at))
                if key in reported or key in flagged:
                    continue
                due = ReportDue(
                    organisation=activity.organisation,
                    activity_id=activity.activity_id,
                    title=activity.title,
                    occurrence_start=occurrence.starts_at,
                    due_at=occurrence.ends_at + self.policy.report_after,
                )
                self._flag(unit, key, "report_due", due)
                announced += 1
        return announced

    async def flag_overdue_promises(self, unit: ReachUnitOfWork) -> int:
        """Announce ``reach.promise_overdue`` once for each promise past its date without a follow-up."""
        today = self.clock().astimezone(AMSTERDAM).date()
        flagged = await unit.flags.of_kind("promise_overdue")
        announced = 0
        for key, report in await unit.reports.promises_due_before(today):
            if key in flagged or not promise_overdue(report, today) or report.follow_up is None:
                continue
            activity = await unit.activities.get(key[0], key[1])
            overdue = PromiseOverdue(
                organisation=key[0],
                activity_id=key[1],
                title=activity.title if activity else key[1],
                occurrence_start=report.occurrence_start,
                residents_hear_back_by=report.follow_up.residents_hear_back_by,
            )
            self._flag(unit, key, "promise_overdue", overdue)
            announced += 1
        return announced

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

    async def refresh_advice(self, unit: ReachUnitOfWork) -> int:
        """Recompute stale advice and publish what changed on ``reach.advice``; how many were published."""
        marked = await unit.advice.stale()
        if not marked:
            return 0
        seen = [observation(activity, report) for activity, report in await unit.reports.reported()]
        published = 0
        for key in sorted(marked):
            wijk, group, kind = key.split("/")
            advice = advise(seen, wijk, TargetGroup(group), ActivityKind(kind), self.policy.minimum_reports)
            payload = advice.model_dump(mode="json")
            digest = _digest(payload)
            if await unit.advice.digest(key) == digest:
                continue
            unit.upsert(
                ADVICE, {"key": key, "digest": digest, "payload": payload, "updated_at": self.clock()}
            )
            unit.publish(REACH_ADVICE, new_event(advice, source=SERVICE), key=key)
            published += 1
        await unit.advice.clear(marked)
        return published


def _mark_stale(unit: ReachUnitOfWork, key: str) -> None:
    unit.upsert(STALE_ADVICE, {"key": key, "token": uuid.uuid4().hex})


def _pending(report: ActivityReported, arrival: Arrival, now: datetime) -> dict[str, Any]:
    return {
        "organisation": arrival.organisation,
        "activity_id": report.activity_id,
        "occurrence": utc_key(report.occurrence_start),
        "payload": report.model_dump(mode="json"),
        "event_id": arrival.event_id,
        "correlation_id": arrival.correlation_id,
        "topic": arrival.topic,
        "partition": arrival.partition,
        "offset": arrival.offset,
        "received_at": now,
    }


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

"""Use cases of the reach service: follow the agenda, take reports in, advise (reminders: ``reminders``).

Each takes the service's unit of work, stages rows and events on it, and leaves the commit to whoever
opened it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import structlog

from contracts import (
    ActivityKind,
    ActivityReported,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    TargetGroup,
    new_event,
)
from contracts.topics import REACH_ADVICE, partner_feedback
from reach import feedback
from reach.domain import (
    PlannedActivity,
    advice_key,
    advise,
    keys_of,
    observation,
    refusal_of,
    utc_key,
)
from reach.service.policy import SERVICE, Clock, Policy
from reach.service.reminders import Reminders
from reach.store import (
    ACTIVITIES,
    ADVICE,
    PENDING,
    REPORTS,
    STALE_ADVICE,
    PendingReportRow,
    ReachUnitOfWork,
    aware,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Arrival:
    """Where a report came from: its organisation, its event and its place on the partner topic."""

    organisation: str
    event_id: str
    correlation_id: str | None
    topic: str
    partition: int
    offset: int

    @classmethod
    def of_pending(cls, pending: PendingReportRow) -> Arrival:
        """Where a report that waited for its activity came from."""
        return cls(
            pending.organisation,
            pending.event_id,
            pending.correlation_id,
            pending.topic,
            pending.partition,
            pending.offset,
        )


class Reach(Reminders):
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
            arrival = Arrival.of_pending(pending)
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
            arrival = Arrival.of_pending(pending)
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

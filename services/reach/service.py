"""Use cases of the reach service: follow the agenda, take reports in, remind, flag and advise."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

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
    promise_overdue,
    refusal_of,
    reports_due,
    utc_key,
)
from reach.observations import observation, observations, planned
from reach.store import (
    ActivityRow,
    AdviceRow,
    FlagRow,
    PendingReportRow,
    ReportRow,
    StaleAdviceRow,
)
from werkplaats import outbox
from werkplaats.db import stage_upsert

log = structlog.get_logger(__name__)

SERVICE = "reach"
ACTIVITIES = cast(Table, ActivityRow.__table__)
REPORTS = cast(Table, ReportRow.__table__)
PENDING = cast(Table, PendingReportRow.__table__)
FLAGS = cast(Table, FlagRow.__table__)
ADVICE = cast(Table, AdviceRow.__table__)
STALE = cast(Table, StaleAdviceRow.__table__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Arrival:
    """Where a report came from: its event and its place on the partner topic."""

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
    """Reports in, reminders, warnings and advice out; every effect in the caller's transaction."""

    def __init__(self, policy: Policy, clock: Clock) -> None:
        self.policy = policy
        self.clock = clock

    async def follow_agenda(
        self, session: AsyncSession, change: AgendaActivityUpserted | AgendaActivityRemoved
    ) -> None:
        """Keep the activity as the agenda announces it, and judge reports that waited for it."""
        key = (
            change.organisation,
            change.activity.activity_id if isinstance(change, AgendaActivityUpserted) else change.activity_id,
        )
        row = await session.get(ActivityRow, key)
        if row is not None:
            await self._stale_advice_of(session, planned(row), key)
        if isinstance(change, AgendaActivityRemoved):
            if row is not None:
                row.withdrawn = True
                row.updated_at = self.clock()
            return
        payload = change.activity.model_dump(mode="json")
        if row is None:
            row = ActivityRow(organisation=key[0], activity_id=key[1], payload=payload)
            session.add(row)
        row.payload, row.withdrawn, row.updated_at = payload, False, self.clock()
        await session.flush()
        activity = planned(row)
        await self._stale_advice_of(session, activity, key)
        waiting = await session.scalars(
            select(PendingReportRow).where(
                PendingReportRow.organisation == key[0], PendingReportRow.activity_id == key[1]
            )
        )
        for pending in list(waiting):
            arrival = Arrival(
                key[0],
                pending.event_id,
                pending.correlation_id,
                pending.topic,
                pending.partition,
                pending.offset,
            )
            await session.delete(pending)
            self._judge(session, activity, ActivityReported.model_validate(pending.payload), arrival)

    async def take_report(self, session: AsyncSession, report: ActivityReported, arrival: Arrival) -> None:
        """Accept or refuse a report; one of an activity not yet on the agenda waits for it a while."""
        row = await session.get(ActivityRow, (arrival.organisation, report.activity_id))
        if row is None:
            stage_upsert(session, PENDING, _pending(report, arrival, self.clock()))
            log.info(
                "report_waits_for_activity", organisation=arrival.organisation, activity_id=report.activity_id
            )
            return
        self._judge(session, planned(row), report, arrival)

    def _judge(
        self, session: AsyncSession, activity: PlannedActivity, report: ActivityReported, arrival: Arrival
    ) -> None:
        refusal = refusal_of(arrival.organisation, activity, report, self.clock())
        if refusal is not None:
            self._refuse(session, report.activity_id, arrival, refusal.field, refusal.reason)
            return
        stage_upsert(
            session,
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
            _mark_stale(session, advice_key(wijk, group, kind))
        log.info("report_accepted", organisation=arrival.organisation, activity_id=report.activity_id)

    def _refuse(
        self, session: AsyncSession, activity_id: str, arrival: Arrival, field: str, reason: str
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
        outbox.add_event(session, partner_feedback(arrival.organisation), refusal, key=activity_id)
        log.info("report_refused", organisation=arrival.organisation, activity_id=activity_id, reason=reason)

    async def _stale_advice_of(
        self, session: AsyncSession, activity: PlannedActivity, key: tuple[str, str]
    ) -> None:
        """Mark the advice an activity's reports feed as stale (its wijk, groups or kind may change)."""
        reported = await session.scalar(
            select(ReportRow.occurrence)
            .where(ReportRow.organisation == key[0], ReportRow.activity_id == key[1])
            .limit(1)
        )
        if reported is None:
            return
        for wijk in activity.wijken:
            for group in activity.target_groups:
                _mark_stale(session, advice_key(wijk, group, activity.kind))

    async def expire_pending(self, session: AsyncSession) -> int:
        """Refuse reports that waited longer than the grace period for their activity; how many."""
        cutoff = self.clock() - self.policy.pending_grace
        expired = list(
            await session.scalars(select(PendingReportRow).where(PendingReportRow.received_at < cutoff))
        )
        for pending in expired:
            arrival = Arrival(
                pending.organisation,
                pending.event_id,
                pending.correlation_id,
                pending.topic,
                pending.partition,
                pending.offset,
            )
            reason = f"{pending.organisation} has no activity {pending.activity_id!r} on the agenda"
            self._refuse(session, pending.activity_id, arrival, "activity_id", reason)
            await session.delete(pending)
        return len(expired)

    async def remind(self, session: AsyncSession) -> int:
        """Announce ``reach.report_due`` once for each occurrence whose report is due and missing."""
        now = self.clock()
        flagged = await _flags(session, "report_due")
        reported = {
            (org, activity_id, occurrence)
            for org, activity_id, occurrence in await session.execute(
                select(ReportRow.organisation, ReportRow.activity_id, ReportRow.occurrence)
            )
        }
        announced = 0
        for row in await session.scalars(select(ActivityRow).where(ActivityRow.withdrawn.is_(False))):
            activity = planned(row)
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
                self._flag(session, key, "report_due", due)
                announced += 1
        return announced

    async def flag_overdue_promises(self, session: AsyncSession) -> int:
        """Announce ``reach.promise_overdue`` once for each promise past its date without a follow-up."""
        today = self.clock().astimezone(AMSTERDAM).date()
        flagged = await _flags(session, "promise_overdue")
        rows = await session.execute(
            select(ReportRow, ActivityRow.payload)
            .join(
                ActivityRow,
                (ActivityRow.organisation == ReportRow.organisation)
                & (ActivityRow.activity_id == ReportRow.activity_id),
            )
            .where(ReportRow.followed_up.is_(False), ReportRow.hear_back_by < today)
        )
        announced = 0
        for report_row, activity_payload in rows:
            key = (report_row.organisation, report_row.activity_id, report_row.occurrence)
            report = ActivityReported.model_validate(report_row.payload)
            if key in flagged or not promise_overdue(report, today) or report.follow_up is None:
                continue
            overdue = PromiseOverdue(
                organisation=report_row.organisation,
                activity_id=report_row.activity_id,
                title=str(activity_payload.get("title", "")),
                occurrence_start=report.occurrence_start,
                residents_hear_back_by=report.follow_up.residents_hear_back_by,
            )
            self._flag(session, key, "promise_overdue", overdue)
            announced += 1
        return announced

    def _flag(
        self, session: AsyncSession, key: tuple[str, str, str], kind: str, data: ReportDue | PromiseOverdue
    ) -> None:
        organisation, activity_id, occurrence = key
        row = {
            "organisation": organisation,
            "activity_id": activity_id,
            "occurrence": occurrence,
            "kind": kind,
            "flagged_at": self.clock(),
        }
        session.add(FlagRow(**row))
        outbox.add_event(
            session, REACH_EVENTS, new_event(data, source=SERVICE), key=f"{organisation}/{activity_id}"
        )
        log.info(data.event_type, organisation=organisation, activity_id=activity_id, occurrence=occurrence)

    async def refresh_advice(self, session: AsyncSession) -> int:
        """Recompute stale advice and publish what changed on ``reach.advice``; how many were published."""
        rows = await session.execute(select(StaleAdviceRow.key, StaleAdviceRow.token))
        marked = {key: token for key, token in rows}
        stale = sorted(marked)
        if not stale:
            return 0
        seen = await observations(session)
        published = 0
        for key in stale:
            wijk, group, kind = key.split("/")
            advice = advise(seen, wijk, TargetGroup(group), ActivityKind(kind), self.policy.minimum_reports)
            payload = advice.model_dump(mode="json")
            digest = _digest(payload)
            current = await session.get(AdviceRow, key)
            if current is not None and current.digest == digest:
                continue
            stage_upsert(
                session,
                ADVICE,
                {"key": key, "digest": digest, "payload": payload, "updated_at": self.clock()},
            )
            outbox.add_event(session, REACH_ADVICE, new_event(advice, source=SERVICE), key=key)
            published += 1
        for key, token in marked.items():  # a marking made meanwhile has a new token and stays
            await session.execute(
                delete(StaleAdviceRow).where(StaleAdviceRow.key == key, StaleAdviceRow.token == token)
            )
        return published


async def _flags(session: AsyncSession, kind: str) -> set[tuple[str, str, str]]:
    rows = await session.execute(
        select(FlagRow.organisation, FlagRow.activity_id, FlagRow.occurrence).where(FlagRow.kind == kind)
    )
    return {(org, activity_id, occurrence) for org, activity_id, occurrence in rows}


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


def _mark_stale(session: AsyncSession, key: str) -> None:
    stage_upsert(session, STALE, {"key": key, "token": uuid.uuid4().hex})


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

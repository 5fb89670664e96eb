"""Taking in partner activities: store, publish the agenda, and repartition changes to their zones."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import (
    ActivityPublished,
    ActivityWithdrawn,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    Occurrence,
    new_event,
)
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_PLACEMENTS
from scheduling.domain import Activity, expand, zones_of, zones_to_notify
from scheduling.placements import PlacementChanged
from scheduling.store import ActivityRow
from werkplaats import outbox

log = structlog.get_logger(__name__)

SERVICE = "scheduling"


def content_hash(published: ActivityPublished) -> str:
    """A fingerprint of everything an organiser said about an activity."""
    canonical = json.dumps(published.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def agenda_key(organisation: str, activity_id: str) -> str:
    """The ``scheduling.agenda`` record key."""
    return f"{organisation}/{activity_id}"


class Intake:
    """Applies ``activity.published`` and ``activity.withdrawn`` of one organisation to the agenda."""

    def __init__(self, *, horizon: timedelta) -> None:
        self.horizon = horizon

    async def publish(
        self, session: AsyncSession, organisation: str, published: ActivityPublished, *, correlation_id: str
    ) -> bool:
        """Create or fully replace an activity; False when it is unchanged (nothing happens then)."""
        fingerprint = content_hash(published)
        row = await session.get(ActivityRow, (organisation, published.activity_id))
        if row is not None and row.content_hash == fingerprint:
            log.info("activity_unchanged", organisation=organisation, activity_id=published.activity_id)
            return False
        before = _activity(organisation, row.payload) if row is not None else None
        sequence = time.time_ns() // 1000
        now = datetime.now(UTC)
        if row is None:
            session.add(_row(organisation, published, fingerprint, sequence, now))
        else:
            row.payload, row.content_hash, row.sequence = (
                published.model_dump(mode="json"),
                fingerprint,
                sequence,
            )
            row.starts_at, row.updated_at = published.starts_at, now
        activity = Activity.from_published(organisation, published)
        occurrences = [
            Occurrence(starts_at=o.starts_at, ends_at=o.ends_at) for o in expand(activity, now, self.horizon)
        ]
        upserted = AgendaActivityUpserted(
            organisation=organisation, activity=published, occurrences=occurrences
        )
        outbox.add_event(
            session,
            SCHEDULING_AGENDA,
            new_event(upserted, source=SERVICE, correlation_id=correlation_id),
            key=agenda_key(organisation, published.activity_id),
        )
        placed = zones_of(activity)
        for zone in sorted(zones_to_notify(before, activity)):
            _place(
                session,
                zone,
                organisation,
                published.activity_id,
                published if zone in placed else None,
                sequence,
                correlation_id,
            )
        log.info("activity_published", organisation=organisation, activity_id=published.activity_id)
        return True

    async def withdraw(
        self, session: AsyncSession, organisation: str, withdrawn: ActivityWithdrawn, *, correlation_id: str
    ) -> bool:
        """Remove an activity; False when it was not on the agenda."""
        row = await session.get(ActivityRow, (organisation, withdrawn.activity_id))
        if row is None:
            log.info(
                "withdrawal_of_unknown_activity", organisation=organisation, activity_id=withdrawn.activity_id
            )
            return False
        before = _activity(organisation, row.payload)
        await session.execute(
            delete(ActivityRow).where(
                ActivityRow.organisation == organisation, ActivityRow.activity_id == withdrawn.activity_id
            )
        )
        removed = AgendaActivityRemoved(
            organisation=organisation, activity_id=withdrawn.activity_id, reason=withdrawn.reason
        )
        outbox.add_event(
            session,
            SCHEDULING_AGENDA,
            new_event(removed, source=SERVICE, correlation_id=correlation_id),
            key=agenda_key(organisation, withdrawn.activity_id),
        )
        sequence = time.time_ns() // 1000
        for zone in sorted(zones_of(before)):
            _place(session, zone, organisation, withdrawn.activity_id, None, sequence, correlation_id)
        log.info("activity_withdrawn", organisation=organisation, activity_id=withdrawn.activity_id)
        return True


def _activity(organisation: str, payload: dict[str, object]) -> Activity:
    return Activity.from_published(organisation, ActivityPublished.model_validate(payload))


def _row(
    organisation: str, published: ActivityPublished, fingerprint: str, sequence: int, now: datetime
) -> ActivityRow:
    return ActivityRow(
        organisation=organisation,
        activity_id=published.activity_id,
        payload=published.model_dump(mode="json"),
        content_hash=fingerprint,
        sequence=sequence,
        starts_at=published.starts_at,
        updated_at=now,
    )


def _place(
    session: AsyncSession,
    zone: str,
    organisation: str,
    activity_id: str,
    activity: ActivityPublished | None,
    sequence: int,
    correlation_id: str,
) -> None:
    placement = PlacementChanged(
        zone=zone, organisation=organisation, activity_id=activity_id, activity=activity, sequence=sequence
    )
    outbox.add_event(
        session,
        SCHEDULING_PLACEMENTS,
        new_event(placement, source=SERVICE, correlation_id=correlation_id),
        key=zone,
    )

"""Taking in partner activities: store, publish the agenda, and repartition changes to their zones."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import Table, select, tuple_

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
from scheduling.store import ActivityRow, SchedulingUnitOfWork, StoredActivity

log = structlog.get_logger(__name__)

SERVICE = "scheduling"
ACTIVITIES = cast(Table, ActivityRow.__table__)


def content_hash(published: ActivityPublished) -> str:
    """A fingerprint of everything an organiser said about an activity."""
    canonical = json.dumps(published.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def agenda_key(organisation: str, activity_id: str) -> str:
    """The ``scheduling.agenda`` record key."""
    return f"{organisation}/{activity_id}"


class Intake:
    """Applies ``activity.published`` and ``activity.withdrawn`` of one organisation to the agenda.

    A transaction's activities are loaded once (``prefetch``) and written once, just before it commits.
    """

    def __init__(self, *, horizon: timedelta) -> None:
        self.horizon = horizon

    async def prefetch(self, unit: SchedulingUnitOfWork, keys: Iterable[tuple[str, str]]) -> None:
        """Load the stored state of ``keys`` in one query per 500, for the events of one transaction."""
        known = unit.activities
        wanted = sorted(set(keys) - known.keys())
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await unit.session.execute(
                select(
                    ActivityRow.organisation,
                    ActivityRow.activity_id,
                    ActivityRow.payload,
                    ActivityRow.content_hash,
                ).where(tuple_(ActivityRow.organisation, ActivityRow.activity_id).in_(chunk))
            )
            found = {(org, activity_id): (payload, digest) for org, activity_id, payload, digest in rows}
            known.update({key: found.get(key) for key in chunk})

    async def _stored(self, unit: SchedulingUnitOfWork, key: tuple[str, str]) -> StoredActivity | None:
        if key not in unit.activities:
            await self.prefetch(unit, [key])
        return unit.activities[key]

    async def publish(
        self,
        unit: SchedulingUnitOfWork,
        organisation: str,
        published: ActivityPublished,
        *,
        correlation_id: str,
    ) -> bool:
        """Create or fully replace an activity; False when it is unchanged (nothing happens then)."""
        key = (organisation, published.activity_id)
        fingerprint = content_hash(published)
        stored = await self._stored(unit, key)
        if stored is not None and stored[1] == fingerprint:
            log.info("activity_unchanged", organisation=organisation, activity_id=published.activity_id)
            return False
        before = _activity(organisation, stored[0]) if stored is not None else None
        sequence = time.time_ns() // 1000
        now = datetime.now(UTC)
        payload = published.model_dump(mode="json")
        unit.upsert(ACTIVITIES, _row(organisation, published, payload, fingerprint, sequence, now))
        unit.activities[key] = (payload, fingerprint)
        activity = Activity.from_published(organisation, published)
        occurrences = [
            Occurrence(starts_at=o.starts_at, ends_at=o.ends_at) for o in expand(activity, now, self.horizon)
        ]
        upserted = AgendaActivityUpserted(
            organisation=organisation, activity=published, occurrences=occurrences
        )
        unit.publish(
            SCHEDULING_AGENDA,
            new_event(upserted, source=SERVICE, correlation_id=correlation_id),
            key=agenda_key(organisation, published.activity_id),
        )
        placed = zones_of(activity)
        for zone in sorted(zones_to_notify(before, activity)):
            _place(
                unit,
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
        self,
        unit: SchedulingUnitOfWork,
        organisation: str,
        withdrawn: ActivityWithdrawn,
        *,
        correlation_id: str,
    ) -> bool:
        """Remove an activity; False when it was not on the agenda."""
        key = (organisation, withdrawn.activity_id)
        stored = await self._stored(unit, key)
        if stored is None:
            log.info(
                "withdrawal_of_unknown_activity", organisation=organisation, activity_id=withdrawn.activity_id
            )
            return False
        before = _activity(organisation, stored[0])
        unit.delete(ACTIVITIES, {"organisation": organisation, "activity_id": withdrawn.activity_id})
        unit.activities[key] = None
        removed = AgendaActivityRemoved(
            organisation=organisation, activity_id=withdrawn.activity_id, reason=withdrawn.reason
        )
        unit.publish(
            SCHEDULING_AGENDA,
            new_event(removed, source=SERVICE, correlation_id=correlation_id),
            key=agenda_key(organisation, withdrawn.activity_id),
        )
        sequence = time.time_ns() // 1000
        for zone in sorted(zones_of(before)):
            _place(unit, zone, organisation, withdrawn.activity_id, None, sequence, correlation_id)
        log.info("activity_withdrawn", organisation=organisation, activity_id=withdrawn.activity_id)
        return True


def _activity(organisation: str, payload: dict[str, object]) -> Activity:
    return Activity.from_published(organisation, ActivityPublished.model_validate(payload))


def _row(
    organisation: str,
    published: ActivityPublished,
    payload: dict[str, Any],
    fingerprint: str,
    sequence: int,
    now: datetime,
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "activity_id": published.activity_id,
        "payload": payload,
        "content_hash": fingerprint,
        "sequence": sequence,
        "starts_at": published.starts_at,
        "updated_at": now,
    }


def _place(
    unit: SchedulingUnitOfWork,
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
    unit.publish(
        SCHEDULING_PLACEMENTS,
        new_event(placement, source=SERVICE, correlation_id=correlation_id),
        key=zone,
    )

"""Taking in partner activities: store, publish the agenda, and repartition changes to their zones."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import (
    ActivityPublished,
    ActivityWithdrawn,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    ContractError,
    Occurrence,
    new_event,
)
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_PLACEMENTS
from scheduling.domain import Activity, InvalidActivityError, check_series, expand, zones_of, zones_to_notify
from scheduling.placements import PlacementChanged
from scheduling.store import ActivityRow, StagedActivityRow
from werkplaats import outbox
from werkplaats.db import stage_delete, stage_upsert
from werkplaats.errors import PermanentError

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


class UnschedulableSeriesError(ContractError, PermanentError):
    """A series whose exceptions do not fit it (a cancelled or moved occurrence it does not have)."""


def checked(organisation: str, published: ActivityPublished) -> Activity:
    """The domain view of ``published``; ``UnschedulableSeriesError`` when its exceptions do not fit it."""
    activity = Activity.from_published(organisation, published)
    try:
        check_series(activity)
    except InvalidActivityError as error:
        field = f"data.{error.field}" if error.field else "data"
        reason = f"the series cannot be scheduled: {field}: {error}"
        raise UnschedulableSeriesError(reason, [(field, str(error))]) from None
    return activity


KNOWN = "scheduling.known_activities"
STAGED = "scheduling.staged_events"
Stored = tuple[dict[str, Any], str]
"""An activity as stored: its published payload and its content hash."""


class Intake:
    """Applies ``activity.published`` and ``activity.withdrawn`` of one organisation to the agenda.

    A transaction's activities are loaded once (``prefetch``) and written once, just before it commits.
    """

    def __init__(self, *, horizon: timedelta) -> None:
        self.horizon = horizon

    async def prefetch(self, session: AsyncSession, keys: Iterable[tuple[str, str]]) -> None:
        """Load the stored state of ``keys`` in one query per 500, for the events of one transaction."""
        known: dict[tuple[str, str], Stored | None] = session.info.setdefault(KNOWN, {})
        wanted = sorted(set(keys) - known.keys())
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await session.execute(
                select(
                    ActivityRow.organisation,
                    ActivityRow.activity_id,
                    ActivityRow.payload,
                    ActivityRow.content_hash,
                ).where(tuple_(ActivityRow.organisation, ActivityRow.activity_id).in_(chunk))
            )
            found = {(org, activity_id): (payload, digest) for org, activity_id, payload, digest in rows}
            known.update({key: found.get(key) for key in chunk})
            staged = await session.execute(
                select(
                    StagedActivityRow.organisation, StagedActivityRow.activity_id, StagedActivityRow.event_id
                ).where(tuple_(StagedActivityRow.organisation, StagedActivityRow.activity_id).in_(chunk))
            )
            session.info.setdefault(STAGED, {}).update(
                {(org, aid): event_id for org, aid, event_id in staged}
            )

    async def settle(self, session: AsyncSession, key: tuple[str, str], event_id: str) -> None:
        """Forget the API's staged version of ``key`` if it is the event just taken in (not a newer one)."""
        staged: dict[tuple[str, str], str] = session.info.get(STAGED, {})
        if staged.get(key) != event_id:
            return
        organisation, activity_id = key
        await session.execute(
            delete(StagedActivityRow).where(
                StagedActivityRow.organisation == organisation,
                StagedActivityRow.activity_id == activity_id,
                StagedActivityRow.event_id == event_id,
            )
        )
        del staged[key]

    async def _stored(self, session: AsyncSession, key: tuple[str, str]) -> Stored | None:
        known: dict[tuple[str, str], Stored | None] = session.info.setdefault(KNOWN, {})
        if key not in known:
            await self.prefetch(session, [key])
        return known[key]

    async def publish(
        self, session: AsyncSession, organisation: str, published: ActivityPublished, *, correlation_id: str
    ) -> bool:
        """Create or fully replace an activity; False when it is unchanged (nothing happens then)."""
        key = (organisation, published.activity_id)
        activity = checked(organisation, published)
        fingerprint = content_hash(published)
        stored = await self._stored(session, key)
        if stored is not None and stored[1] == fingerprint:
            log.info("activity_unchanged", organisation=organisation, activity_id=published.activity_id)
            return False
        before = _activity(organisation, stored[0]) if stored is not None else None
        sequence = time.time_ns() // 1000
        now = datetime.now(UTC)
        payload = published.model_dump(mode="json")
        stage_upsert(session, ACTIVITIES, _row(organisation, published, payload, fingerprint, sequence, now))
        session.info[KNOWN][key] = (payload, fingerprint)
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
        key = (organisation, withdrawn.activity_id)
        stored = await self._stored(session, key)
        if stored is None:
            log.info(
                "withdrawal_of_unknown_activity", organisation=organisation, activity_id=withdrawn.activity_id
            )
            return False
        before = _activity(organisation, stored[0])
        stage_delete(
            session, ACTIVITIES, {"organisation": organisation, "activity_id": withdrawn.activity_id}
        )
        session.info[KNOWN][key] = None
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
